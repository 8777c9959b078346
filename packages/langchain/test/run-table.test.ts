import { RunTable, type RunEntry } from '../src/run-table';

const entry = (): RunEntry => ({ op: undefined, nearest: undefined, monitor: undefined });

it('keeps at most its bound of runs, dropping the oldest, handing each to onDrop and counting it', () => {
  const drops: RunEntry[] = [];
  const table = new RunTable(2, (dropped) => drops.push(dropped));
  const [a, b] = [entry(), entry()];
  table.add('a', a);
  table.add('b', b);
  table.add('c', entry());
  expect(table.size).toBe(2);
  expect(table.has('a')).toBe(false);
  expect(table.has('b') && table.has('c')).toBe(true);
  table.add('d', entry());
  expect(table.has('b')).toBe(false);
  expect(table.dropped).toBe(2);
  expect(drops).toEqual([a, b]);
  expect(drops[0]).toBe(a);
  expect(drops[1]).toBe(b);
});

it('take() removes a run and returns it once', () => {
  const table = new RunTable(10, () => undefined);
  const e = entry();
  table.add('a', e);
  expect(table.take('a')).toBe(e);
  expect(table.take('a')).toBeUndefined();
  expect(table.size).toBe(0);
  expect(table.dropped).toBe(0);
});
