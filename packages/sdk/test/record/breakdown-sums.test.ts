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
});
