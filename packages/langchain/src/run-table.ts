/**
 * The runs a handler has seen start and not yet seen end, by LangChain run id: what nests a
 * run's operation under its nearest ancestor that is one.
 *
 * LangChain ends every run it starts, except when a consumer leaves a `.stream()` early: then
 * the runs of that invocation never end. So the table is bounded: past `maxOpenRuns`, the
 * oldest open run is dropped and counted, and its operation given up on (`onDrop`).
 */
import type { Operation, PerformanceMonitor } from '@ragmeter/sdk';

export interface RunEntry {
  /** This run's own operation; undefined for a step that passes nesting through. */
  readonly op: Operation | undefined;
  /** The operation runs started under this one nest under: its own, else its parent's. */
  readonly nearest: Operation | undefined;
  /** The monitor of `nearest`, for children. */
  readonly monitor: PerformanceMonitor | undefined;
  /** A model run: what is needed when it ends. */
  readonly model?: ModelRunState;
  /** A ContextualCompressionRetriever: it records its compression phase. */
  readonly compressing?: boolean;
  /** That phase's operation, from the end of its base retriever. */
  compression?: Operation;
}

export interface ModelRunState {
  /** Prompt lines, for the tokenizer when the provider reports no usage, and for capture. */
  readonly prompt: string[];
  readonly capture: boolean;
  sawToken: boolean;
}

export class RunTable {
  private readonly runs = new Map<string, RunEntry>();
  /** Open runs dropped to keep the table within its bound. */
  dropped = 0;

  constructor(
    private readonly max: number,
    private readonly onDrop: (entry: RunEntry) => void,
  ) {}

  get size(): number {
    return this.runs.size;
  }

  get(runId: string): RunEntry | undefined {
    return this.runs.get(runId);
  }

  has(runId: string): boolean {
    return this.runs.has(runId);
  }

  add(runId: string, entry: RunEntry): void {
    if (this.runs.size >= this.max) {
      // Maps iterate in insertion order: the first key is the run open the longest.
      const [oldestId, oldest] = this.runs.entries().next().value as [string, RunEntry];
      this.runs.delete(oldestId);
      this.dropped++;
      this.onDrop(oldest);
    }
    this.runs.set(runId, entry);
  }

  /** Removes and returns a run's entry. */
  take(runId: string): RunEntry | undefined {
    const entry = this.runs.get(runId);
    if (entry !== undefined) this.runs.delete(runId);
    return entry;
  }
}
