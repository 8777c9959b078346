import { PerformanceMonitor } from '../src/monitor.js';
import { getGlobalMonitor, getPerformanceMonitor, setGlobalMonitor } from '../src/global.js';

afterEach(async () => {
  const monitor = getGlobalMonitor();
  setGlobalMonitor(undefined);
  await monitor?.shutdown();
});

describe('getPerformanceMonitor()', () => {
  it('makes a default monitor on first use and returns the same one afterwards', async () => {
    expect(getGlobalMonitor()).toBeUndefined();
    const monitor = getPerformanceMonitor();
    expect(monitor).toBeInstanceOf(PerformanceMonitor);
    expect(getPerformanceMonitor()).toBe(monitor);
    monitor.recordOperation({ type: 'global_step', durationSeconds: 1 });
    expect(await getPerformanceMonitor().getOperationCount('global_step')).toBe(1);
  });

  it('is shared through a registered symbol on globalThis, so every copy of ragmeter finds it', () => {
    const monitor = getPerformanceMonitor();
    expect((globalThis as Record<symbol, unknown>)[Symbol.for('ragmeter.global-monitor')]).toBe(monitor);
  });

  it('returns the monitor registered as global', () => {
    const mine = new PerformanceMonitor({ memorySampleIntervalMs: 0 });
    setGlobalMonitor(mine);
    expect(getPerformanceMonitor()).toBe(mine);
  });
});
