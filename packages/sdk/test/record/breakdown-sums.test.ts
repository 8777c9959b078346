import fc from 'fast-check';
import { BreakdownSums } from '../../src/record/breakdown-sums.js';
import { buildBreakdown } from '../../src/report/breakdown.js';

const children = (entries: Record<string, number>): Map<string, number> => new Map(Object.entries(entries));

describe('BreakdownSums', () => {
  it('sums per parent type; own time is what the children leave, never below 0', () => {
    const sums = new BreakdownSums(300, 30);
    sums.fold('query', 1, children({ llm: 0.6, retrieval: 0.3 }), 0);
    sums.fold('query', 2, children({ llm: 2.5 }), 0); // concurrent children: more than the parent
    sums.fold('llm', 0.6, undefined, 0);
    const query = sums.sums().get('query')!;
    expect(query.operations).toBe(2);
    expect(query.seconds).toBeCloseTo(3, 12);
    expect(query.selfSeconds).toBeCloseTo(0.1, 12);
    expect(Object.fromEntries(query.children)).toEqual({ llm: 3.1, retrieval: 0.3 });
  });

  it('a window covers the slots it reaches into; older slots drop out', () => {
    const sums = new BreakdownSums(300, 30);
    const t0 = 1_000_000_000_000; // on a slot boundary
    sums.fold('query', 1, children({ llm: 1 }), t0);
    sums.fold('query', 1, children({ retrieval: 1 }), t0 + 200_000);
    const now = t0 + 230_000;
    expect([...sums.sums(60, now).get('query')!.children.keys()]).toEqual(['retrieval']);
    expect(sums.sums(300, now).get('query')!.operations).toBe(2);
    // past the reader's window the first slot is gone, since start it stays
    sums.fold('other', 1, undefined, t0 + 330_000);
    expect(sums.sums(300, t0 + 330_000).get('query')!.operations).toBe(1);
    expect(sums.sums().get('query')!.operations).toBe(2);
  });

  it('clear() forgets everything', () => {
    const sums = new BreakdownSums(300, 30);
    sums.fold('query', 1, children({ llm: 1 }));
    sums.clear();
    expect(sums.sums().size).toBe(0);
    expect(sums.sums(300).size).toBe(0);
  });
});

describe('buildBreakdown', () => {
  it('shares of the parent time and seconds per parent operation; only parents with children', () => {
    const sums = new BreakdownSums(300, 30);
    sums.fold('query', 1, children({ llm: 0.5, retrieval: 0.25 }));
    sums.fold('query', 3, children({ llm: 1.5 }));
    sums.fold('llm', 2, undefined);
    expect(buildBreakdown(sums.sums())).toEqual({
      query: {
        self: { share: 1.75 / 4, avg_seconds: 1.75 / 2 },
        llm: { share: 2 / 4, avg_seconds: 1 },
        retrieval: { share: 0.25 / 4, avg_seconds: 0.125 },
      },
    });
    expect(buildBreakdown(new BreakdownSums(300, 30).sums())).toBeUndefined();
  });

  it('a parent that took no time has zero shares, not NaN', () => {
    const sums = new BreakdownSums(300, 30);
    sums.fold('query', 0, children({ llm: 0 }));
    expect(buildBreakdown(sums.sums())!.query).toEqual({ self: { share: 0, avg_seconds: 0 }, llm: { share: 0, avg_seconds: 0 } });
  });

  it('since start equals the plain sum of every fold, however many slots came and went', () => {
    const fold = fc.record({
      type: fc.constantFrom('query', 'llm', 'retrieval'),
      seconds: fc.integer({ min: 0, max: 1000 }).map((ms) => ms / 1000),
      child: fc.option(fc.record({ type: fc.constantFrom('llm', 'embedding'), seconds: fc.integer({ min: 0, max: 1000 }).map((ms) => ms / 1000) })),
      // steps forward in time, up to 3 slots at once, so slots leave the 60 s window often
      stepMs: fc.integer({ min: 0, max: 90_000 }),
    });
    fc.assert(
      fc.property(fc.array(fold, { maxLength: 200 }), (folds) => {
        const sums = new BreakdownSums(60, 10);
        const expected = new Map<string, { operations: number; seconds: number; children: Map<string, number> }>();
        let now = 1_700_000_000_000;
        for (const f of folds) {
          now += f.stepMs;
          const kids = f.child === null ? undefined : children({ [f.child.type]: f.child.seconds });
          sums.fold(f.type, f.seconds, kids, now);
          const e = expected.get(f.type) ?? { operations: 0, seconds: 0, children: new Map<string, number>() };
          e.operations += 1;
          e.seconds += f.seconds;
          if (f.child !== null) e.children.set(f.child.type, (e.children.get(f.child.type) ?? 0) + f.child.seconds);
          expected.set(f.type, e);
        }
        const total = sums.sums();
        expect([...total.keys()].sort()).toEqual([...expected.keys()].sort());
        for (const [type, e] of expected) {
          const got = total.get(type)!;
          expect(got.operations).toBe(e.operations);
          expect(got.seconds).toBeCloseTo(e.seconds, 9);
          expect([...got.children.keys()].sort()).toEqual([...e.children.keys()].sort());
          for (const [child, s] of e.children) expect(got.children.get(child)).toBeCloseTo(s, 9);
        }
      }),
    );
  });
});
