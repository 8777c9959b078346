import { getHeapStatistics } from 'node:v8';
import { BYTES_PER_MB, RssSampler, heapUsedBytes, rssBytes } from '../../src/probes/memory.js';

const samplers: RssSampler[] = [];
const sampler = (intervalMs = 0): RssSampler => {
  const s = new RssSampler(intervalMs);
  samplers.push(s);
  return s;
};
afterEach(() => {
  jest.useRealTimers();
  jest.restoreAllMocks();
  for (const s of samplers.splice(0)) s.stop();
});

describe('memory probes', () => {
  it('a MB is 2^20 bytes', () => {
    expect(BYTES_PER_MB).toBe(1048576);
  });

  it('heapUsedBytes() is V8 used_heap_size', () => {
    const before = getHeapStatistics().used_heap_size;
    const probe = heapUsedBytes();
    const after = getHeapStatistics().used_heap_size;
    // bracketed by two direct reads (a GC in between can only lower it)
    expect(probe).toBeGreaterThan(0);
    expect(probe).toBeLessThanOrEqual(Math.max(before, after) + 1024 * 1024);
  });

  it('rssBytes() is the process RSS', () => {
    const before = process.memoryUsage().rss;
    const rss = rssBytes();
    const after = process.memoryUsage().rss;
    expect(rss).toBeGreaterThanOrEqual(Math.min(before, after) - 16 * BYTES_PER_MB);
    expect(rss).toBeLessThanOrEqual(Math.max(before, after) + 16 * BYTES_PER_MB);
  });
});

describe('RssSampler', () => {
  it('takes a sample at construction and one per read', () => {
    const s = sampler();
    expect(s.stats().samples).toBe(2);
    expect(s.stats().samples).toBe(3);
  });

  it('computes current/min/max/avg from its samples', () => {
    const values = [100, 300, 200, 50].map((mb) => mb * BYTES_PER_MB);
    const rss = jest.spyOn(process.memoryUsage, 'rss');
    for (const v of values) rss.mockReturnValueOnce(v);
    const s = sampler(); // 100
    s.sample(); // 300
    s.sample(); // 200
    const stats = s.stats(); // 50
    expect(stats).toMatchObject({ current_rss_mb: 50, min_rss_mb: 50, max_rss_mb: 300, avg_rss_mb: 162.5, samples: 4 });
    expect(stats.heap_used_mb).toBeGreaterThan(0);
  });

  it('reset() starts over from one fresh sample', () => {
    const rss = jest.spyOn(process.memoryUsage, 'rss');
    for (const mb of [500, 10, 40, 60]) rss.mockReturnValueOnce(mb * BYTES_PER_MB);
    const s = sampler(); // 500
    s.sample(); // 10
    s.reset(); // 40
    const stats = s.stats(); // 60
    expect(stats).toMatchObject({ current_rss_mb: 60, min_rss_mb: 40, max_rss_mb: 60, avg_rss_mb: 50, samples: 2 });
  });

  it('samples on its timer, and stops', () => {
    jest.useFakeTimers();
    const s = sampler(1000);
    jest.advanceTimersByTime(3000);
    expect(s.stats().samples).toBe(1 + 3 + 1);
    s.stop();
    jest.advanceTimersByTime(5000);
    expect(s.stats().samples).toBe(1 + 3 + 2);
  });
});
