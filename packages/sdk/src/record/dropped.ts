import { diag, type Attributes, type Counter } from '@opentelemetry/api';
import { ATTR_DROP_REASON } from '../instruments.js';
import type { DroppedReport } from '../report/types.js';

/** Why a value was dropped. Each is counted in the report's `dropped` section. */
export type DropReason =
  | 'invalid_operation_type'
  | 'custom_type_limit'
  | 'cardinality_limit'
  | 'invalid_duration'
  | 'invalid_token_count'
  | 'invalid_attribute'
  | 'invalid_memory_delta'
  | 'invalid_arguments'
  | 'operation_already_ended'
  | 'abandoned_operation'
  | 'export_failed'
  | 'internal_error';

/**
 * Counts dropped values by reason, warns once per reason (process.emitWarning, so the host
 * can route or silence it) and mirrors the counts on the `rag.sdk.dropped` counter.
 */
export class DropCounter {
  private readonly counts = new Map<DropReason, number>();
  private readonly warned = new Set<DropReason>();
  private readonly attributes = new Map<DropReason, Attributes>();
  private counter: Counter | undefined;

  attach(counter: Counter): void {
    this.counter = counter;
  }

  drop(reason: DropReason, detail: string): void {
    this.counts.set(reason, (this.counts.get(reason) ?? 0) + 1);
    let attrs = this.attributes.get(reason);
    if (attrs === undefined) {
      attrs = Object.freeze({ [ATTR_DROP_REASON]: reason });
      this.attributes.set(reason, attrs);
    }
    try {
      this.counter?.add(1, attrs);
    } catch {
      // the counter is best effort; the report still counts the drop
    }
    if (!this.warned.has(reason)) {
      this.warned.add(reason);
      const message = `ragmeter dropped a value: ${detail}. Further drops of this kind (${reason}) are counted in the report without a warning.`;
      diag.warn(message);
      process.emitWarning(message, { type: 'RagMeterWarning', code: `RAGMETER_${reason.toUpperCase()}` });
    }
  }

  count(reason: DropReason): number {
    return this.counts.get(reason) ?? 0;
  }

  report(): DroppedReport {
    const by_reason: Record<string, number> = {};
    let total = 0;
    for (const [reason, n] of [...this.counts].sort(([a], [b]) => a.localeCompare(b))) {
      by_reason[reason] = n;
      total += n;
    }
    return { total, by_reason };
  }

  /** Resets the report's counts; warnings already given are not repeated. */
  reset(): void {
    this.counts.clear();
  }
}
