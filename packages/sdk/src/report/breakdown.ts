import { SELF, type ParentSums } from '../record/breakdown-sums.js';
import type { BreakdownEntry, BreakdownReport } from './types.js';

/**
 * The report's `breakdown` from the per-parent sums: for each parent type that had child
 * operations, the share of its time spent in each child type and in itself, and the seconds
 * per parent operation. Parent types in name order; within one, `self` first, then child types
 * in name order. Undefined when no operation had children.
 */
export function buildBreakdown(sums: Map<string, ParentSums>): BreakdownReport | undefined {
  let report: BreakdownReport | undefined;
  for (const type of [...sums.keys()].sort()) {
    const s = sums.get(type)!;
    if (s.children.size === 0 || s.operations === 0) continue;
    const entry = (seconds: number): BreakdownEntry => ({
      share: s.seconds > 0 ? seconds / s.seconds : 0,
      avg_seconds: seconds / s.operations,
    });
    const parent: Record<string, BreakdownEntry> = { [SELF]: entry(s.selfSeconds) };
    for (const child of [...s.children.keys()].sort()) {
      if (child !== SELF) parent[child] = entry(s.children.get(child)!);
    }
    (report ??= {})[type] = parent;
  }
  return report;
}
