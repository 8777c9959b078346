import type { Attributes } from '@opentelemetry/api';
import { SeriesTable } from '../../src/record/series-table.js';

const BASE: Attributes = Object.freeze({ 'rag.operation.type': 'llm_inference' });
const OTHER_BASE: Attributes = Object.freeze({ 'rag.operation.type': 'embedding_generation' });

/** Nodes in the table's trie (its memory), read through its private field. */
function nodes(table: SeriesTable): number {
  let n = 0;
  const walk = (node: { next?: Map<string, Map<unknown, unknown>> }) => {
    n++;
    for (const byValue of node.next?.values() ?? []) for (const child of byValue.values()) walk(child as typeof node);
  };
  for (const root of (table as unknown as { byBase: Map<Attributes, typeof Object> }).byBase.values()) walk(root as never);
  return n;
}

describe('SeriesTable', () => {
  it('one frozen set per (base, labels), whatever object the labels come in', () => {
    const table = new SeriesTable(100, () => 0);
    const a = table.get(BASE, { tenant: 'acme' });
    expect(a).toEqual({ 'rag.operation.type': 'llm_inference', tenant: 'acme' });
    expect(Object.isFrozen(a)).toBe(true);
    expect(table.get(BASE, { tenant: 'acme' })).toBe(a);
    expect(table.get(OTHER_BASE, { tenant: 'acme' })).not.toBe(a);
    expect(table.size).toBe(2);
  });

  it('tells values and label sets apart: 1 and "1", a prefix of the labels, arrays by content', () => {
    const table = new SeriesTable(100, () => 0);
    const sets = [
      table.get(BASE, { n: 1 }),
      table.get(BASE, { n: '1' }),
      table.get(BASE, { n: true }),
      table.get(BASE, { n: 'true' }),
      table.get(BASE, { n: 'x' }),
      table.get(BASE, { n: 'x', m: 'y' }),
      table.get(BASE, { m: 'y' }),
      table.get(BASE, { n: ['a', 'b'] }),
      table.get(BASE, { n: '["a","b"]' }),
    ];
    expect(new Set(sets).size).toBe(sets.length);
    expect(table.get(BASE, { n: ['a', 'b'] })).toBe(sets[7]);
    expect(table.get(BASE, { n: 'x', m: 'y' })).toBe(sets[5]);
  });

  it('full: new pairs are refused (the base set is the caller\'s), known ones still served, and refusals cost no memory', () => {
    const reserved = 3;
    const table = new SeriesTable(10, () => reserved);
    const kept = Array.from({ length: 20 }, (_, i) => table.get(BASE, { tenant: `t${i}` }));
    // limit 10 = 6 pairs + 3 base sets + 1 slot for OTel's overflow series
    expect(kept.filter((s) => s !== undefined)).toHaveLength(6);
    expect(table.size).toBe(6);
    expect(table.get(BASE, { tenant: 't0' })).toBe(kept[0]);
    const before = nodes(table);
    for (let i = 0; i < 10_000; i++) expect(table.get(BASE, { tenant: `new-${i}`, model: 'm' })).toBeUndefined();
    expect(nodes(table)).toBe(before);
  });
});
