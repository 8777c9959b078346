import { PerformanceMonitor } from './monitor.js';

// Kept on globalThis under a registered symbol, so that every copy of ragmeter loaded in the
// process (say, one bundled by a dependency) shares one global monitor.
const KEY = Symbol.for('ragmeter.global-monitor');
type GlobalSlot = { [KEY]?: PerformanceMonitor };

/** The global monitor: the one startRagMeter() registered, else a default one made on first use. */
export function getPerformanceMonitor(): PerformanceMonitor {
  const slot = globalThis as GlobalSlot;
  return (slot[KEY] ??= new PerformanceMonitor());
}

/** @internal */
export function getGlobalMonitor(): PerformanceMonitor | undefined {
  return (globalThis as GlobalSlot)[KEY];
}

/** @internal */
export function setGlobalMonitor(monitor: PerformanceMonitor | undefined): void {
  (globalThis as GlobalSlot)[KEY] = monitor;
}
