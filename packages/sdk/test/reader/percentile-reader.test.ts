import { MeterProvider } from '@opentelemetry/sdk-metrics';
import {
  ATTR_ERROR_TYPE,
  ATTR_OPERATION_TYPE,
  ATTR_TOKEN_TYPE,
  INSTRUMENTATION_SCOPE,
  METRIC_OPERATION_DURATION,
  METRIC_OPERATION_MEMORY_DELTA,
  METRIC_OPERATION_TOKENS,
  METRIC_OPERATION_TTFT,
} from '../../src/instruments.js';
import { PercentileReader, type PercentileReaderOptions } from '../../src/reader/percentile-reader.js';
import { relativeErrorBound } from '../../src/reader/exponential-histogram.js';
import { exactPercentile, relativeError, sample, sortedCopy } from '../helpers/nearest-rank.js';

/** A reader on its own meter provider, with the instruments the monitor records on. */
function setup(options: PercentileReaderOptions = {}) {
  const reader = new PercentileReader(options);
  const provider = new MeterProvider({ readers: [reader] });
  providers.push(provider);
  const meter = provider.getMeter(INSTRUMENTATION_SCOPE);
  return {
    reader,
    provider,
    duration: meter.createHistogram(METRIC_OPERATION_DURATION),
    tokens: meter.createHistogram(METRIC_OPERATION_TOKENS),
    ttft: meter.createHistogram(METRIC_OPERATION_TTFT),
    memory: meter.createUpDownCounter(METRIC_OPERATION_MEMORY_DELTA),
    otherScope: provider.getMeter('someone-else').createHistogram(METRIC_OPERATION_DURATION),
  };
}

const providers: MeterProvider[] = [];
afterEach(async () => {
  jest.useRealTimers();
  await Promise.all(providers.splice(0).map((p) => p.shutdown()));
});

const type = (t: string) => ({ [ATTR_OPERATION_TYPE]: t });

describe('PercentileReader', () => {
  it('defaults: a 300 s window in 30 s slots', () => {
    const reader = new PercentileReader();
    expect(reader.windowSeconds).toBe(300);
    expect(reader.slotSeconds).toBe(30);
    expect(new PercentileReader({ windowSeconds: 5 }).slotSeconds).toBe(1); // at least 1 s
  });

  it('aggregates durations per operation type, failures from error.type', async () => {
    const { reader, duration } = setup();
    for (const d of [0.1, 0.2, 0.3]) duration.record(d, type('retrieval'));
    duration.record(0.4, { ...type('retrieval'), [ATTR_ERROR_TYPE]: 'TimeoutError' });
    duration.record(2, type('llm'));
    await reader.refresh();

    const all = reader.aggregates();
    expect([...all.keys()].sort()).toEqual(['llm', 'retrieval']);
    const r = all.get('retrieval')!;
    expect(r.duration.count).toBe(4);
    expect(r.failed).toBe(1);
    expect(r.duration.min).toBe(0.1);
    expect(r.duration.max).toBe(0.4);
    expect(r.duration.sum).toBeCloseTo(1.0, 12);
    expect(all.get('llm')!.duration.count).toBe(1);
    expect(all.get('llm')!.failed).toBe(0);
  });

  it('accumulates across collections (delta points merged into the totals)', async () => {
    const { reader, duration } = setup();
    const values = sample('lognormal', 3000, 42);
    for (let i = 0; i < values.length; i++) {
      duration.record(values[i]!, type('embed'));
      if (i % 500 === 499) await reader.refresh();
    }
    await reader.refresh();
    const h = reader.aggregates().get('embed')!.duration;
    expect(h.count).toBe(3000);
    const sorted = sortedCopy(values);
    for (const p of [50, 95, 99]) {
      expect(relativeError(h.quantile(p / 100), exactPercentile(sorted, p))).toBeLessThanOrEqual(relativeErrorBound(6));
    }
  });

  it('sums tokens by gen_ai.token.type and keeps negative memory deltas', async () => {
    const { reader, tokens, memory } = setup();
    tokens.record(100, { ...type('llm'), [ATTR_TOKEN_TYPE]: 'input' });
    tokens.record(30, { ...type('llm'), [ATTR_TOKEN_TYPE]: 'input' });
    tokens.record(7, { ...type('llm'), [ATTR_TOKEN_TYPE]: 'output' });
    tokens.record(11, type('llm'));
    memory.add(4096, type('llm'));
    memory.add(-10_000, type('llm'));
    await reader.refresh();
    const llm = reader.aggregates().get('llm')!;
    expect(llm.inputTokens).toBe(130);
    expect(llm.outputTokens).toBe(7);
    expect(llm.otherTokens).toBe(11);
    expect(llm.memoryDeltaBytes).toBe(4096 - 10_000);
    expect(llm.duration.count).toBe(0); // tokens alone are not operations
  });

  it('keeps time to first token apart from durations', async () => {
    const { reader, ttft, duration } = setup();
    ttft.record(0.25, type('llm'));
    duration.record(3, type('llm'));
    await reader.refresh();
    const llm = reader.aggregates().get('llm')!;
    expect(llm.timeToFirstToken.count).toBe(1);
    expect(llm.timeToFirstToken.max).toBe(0.25);
    expect(llm.duration.count).toBe(1);
    expect(llm.duration.max).toBe(3);
  });

  it("ignores other scopes' instruments and points without an operation type", async () => {
    const { reader, duration, otherScope } = setup();
    otherScope.record(1, type('llm'));
    duration.record(1, { other: 'x' });
    await reader.refresh();
    expect(reader.aggregates().size).toBe(0);
  });

  it('calls onCollect after each merged collection', async () => {
    const onCollect = jest.fn();
    const { reader } = setup({ onCollect });
    await reader.refresh();
    await reader.refresh();
    expect(onCollect).toHaveBeenCalledTimes(2);
  });

  it('clear() forgets what was aggregated, including a collection already in flight', async () => {
    const { reader, duration } = setup();
    duration.record(1, type('a'));
    await reader.refresh();
    expect(reader.aggregates().get('a')!.duration.count).toBe(1);

    reader.clear();
    expect(reader.aggregates().size).toBe(0);

    duration.record(1, type('a'));
    const inFlight = reader.refresh(); // started before the clear below
    reader.clear();
    await inFlight;
    expect(reader.aggregates().size).toBe(0);

    duration.record(1, type('a'));
    await reader.refresh();
    expect(reader.aggregates().get('a')!.duration.count).toBe(1);
  });

  it('clear(): records queued in `waiting` while its collection runs land after it; refreshes wait for it', async () => {
    const { reader, duration } = setup();
    duration.record(1, type('old')); // ended before the clear, not yet collected: must go
    const clearing = reader.clear();
    expect(reader.waiting).toEqual([]);
    reader.waiting!.push(() => duration.record(2, type('new'))); // what the recorder does meanwhile
    const refreshed = reader.refresh(); // asked during the clear: waits for it
    await clearing;
    expect(reader.waiting).toBeUndefined();
    await refreshed;
    expect([...reader.aggregates().keys()]).toEqual(['new']);
    await expect(reader.settled()).resolves.toBeUndefined();
  });

  it('clear() twice: only the latest replays what waits; records queued for the first predate the second', async () => {
    const { reader, duration } = setup();
    const first = reader.clear();
    reader.waiting!.push(() => duration.record(1, type('before-second')));
    const second = reader.clear();
    reader.waiting!.push(() => duration.record(1, type('after-second')));
    await Promise.all([first, second]);
    await reader.refresh();
    expect([...reader.aggregates().keys()]).toEqual(['after-second']);
  });

  it('stays within bounds after 100k recordings: per-series buckets <= maxSize, slots <= window', async () => {
    const { reader, duration } = setup({ windowSeconds: 10, slotSeconds: 1 });
    jest.useFakeTimers({ now: 1_700_000_000_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const values = sample('log-uniform', 100_000, 7);
    for (let batch = 0; batch < 20; batch++) {
      for (let i = batch * 5000; i < (batch + 1) * 5000; i++) duration.record(values[i]!, type(i % 2 ? 'a' : 'b'));
      await reader.refresh();
      jest.setSystemTime(Date.now() + 1000);
    }
    const total = reader.aggregates();
    expect(total.get('a')!.duration.count + total.get('b')!.duration.count).toBe(100_000);
    for (const agg of total.values()) expect(agg.duration.bucketCount).toBeLessThanOrEqual(2048);
    const slots = (reader as unknown as { slots: unknown[] }).slots;
    expect(slots.length).toBeLessThanOrEqual(11);
    const recent = reader.aggregates(10);
    expect(recent.get('a')!.duration.count).toBeLessThan(total.get('a')!.duration.count);
    for (const agg of recent.values()) expect(agg.duration.bucketCount).toBeLessThanOrEqual(2048);
  });
});

describe('PercentileReader recent window', () => {
  const T0 = 1_700_000_000_000; // a multiple of the 1 s slot

  beforeEach(() => {
    // Only the clock is faked: promises and setImmediate stay real so collections can run.
    jest.useFakeTimers({ now: T0, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
  });

  it('covers only the slots that overlap the last windowSeconds', async () => {
    const { reader, duration } = setup({ windowSeconds: 2, slotSeconds: 1 });
    for (let i = 0; i < 4; i++) duration.record(1, type('old'));
    await reader.refresh(); // slot [T0, T0+1s)

    jest.setSystemTime(T0 + 1500);
    duration.record(2, type('new'));
    await reader.refresh(); // slot [T0+1s, T0+2s)
    expect(reader.aggregates(2).get('old')?.duration.count).toBe(4);
    expect(reader.aggregates(1).get('old')?.duration.count).toBe(4); // from T0+0.5s: slot T0 overlaps

    jest.setSystemTime(T0 + 3000);
    duration.record(3, type('new'));
    duration.record(3, type('new'));
    await reader.refresh(); // slot [T0+3s, T0+4s); slot T0 ends at the window's start

    const recent = reader.aggregates(2);
    expect(recent.has('old')).toBe(false);
    expect(recent.get('new')!.duration.count).toBe(3);
    expect(reader.aggregates(1).get('new')!.duration.count).toBe(2); // from T0+2s
    const total = reader.aggregates();
    expect(total.get('old')!.duration.count).toBe(4);
    expect(total.get('new')!.duration.count).toBe(3);
    // a window longer than the reader's is cut to it
    expect(reader.aggregates(3600).has('old')).toBe(false);
  });

  it('collects by itself at every slot boundary', async () => {
    const { reader, duration } = setup({ windowSeconds: 2, slotSeconds: 1 });
    duration.record(0.5, type('a'));
    expect(reader.aggregates().size).toBe(0);
    jest.advanceTimersByTime(1000);
    for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve));
    expect(reader.aggregates().get('a')!.duration.count).toBe(1);
  });
});

describe('PercentileReader options', () => {
  // A timer past 2^31 - 1 ms fires every millisecond; a tiny slot in a long window keeps
  // millions of slots. Both are refused with the option's name instead.
  it.each([
    [{ windowSeconds: 365 * 24 * 3600 }, 'windowSeconds'],
    [{ windowSeconds: 300, slotSeconds: 3e6 }, 'slotSeconds'],
    [{ windowSeconds: 3600, slotSeconds: 0.001 }, 'slotSeconds'],
    [{ windowSeconds: -1 }, 'windowSeconds'],
    [{ slotSeconds: Number.NaN }, 'slotSeconds'],
    [{ maxSize: 1 }, 'maxSize'],
    [{ maxSize: 1.5 }, 'maxSize'],
    [{ maxScale: 21 }, 'maxScale'],
    [{ cardinalityLimit: 0 }, 'cardinalityLimit'],
    [{ onCollect: 'yes' }, 'onCollect'],
    [{ windowSecond: 60 }, 'windowSecond'],
  ])('rejects %j naming %s', (options, key) => {
    expect(() => new PercentileReader(options as PercentileReaderOptions)).toThrow(
      expect.objectContaining({ name: 'RagMeterConfigError', key }),
    );
  });

  it('accepts the largest window whose slot timer still fits', () => {
    const { reader } = setup({ windowSeconds: 21_474_836 });
    expect(reader.slotSeconds).toBeCloseTo(2_147_483.6, 1);
  });
});

describe('PercentileReader refreshes', () => {
  it('runs one at a time, so a report never reads before an earlier collection has merged', async () => {
    const { reader, duration } = setup();
    duration.record(0.1, { [ATTR_OPERATION_TYPE]: 'llm_inference' });
    // The first collection (e.g. a slot-boundary refresh) takes the data but resolves late.
    const collect = reader.collect.bind(reader);
    let first = true;
    reader.collect = async (options) => {
      const result = await collect(options);
      if (first) {
        first = false;
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
      return result;
    };
    const boundary = reader.refresh();
    await reader.refresh(); // the report's own refresh
    expect(reader.aggregates().get('llm_inference')?.duration.count).toBe(1);
    await boundary;
  });
});
