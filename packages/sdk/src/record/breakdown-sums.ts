/**
 * The key of a parent's own time in its breakdown. Operations of a custom type named `self`
 * are therefore not counted as children: their time stays in their parent's own time.
 */
export const SELF = 'self';

/** Time sums of one parent operation type, over some time span. */
export interface ParentSums {
  /** Operations of the parent type that ended. */
  operations: number;
  /** Their summed duration, seconds. */
  seconds: number;
  /** Their summed own time (duration minus the time of their children, at least 0 each), seconds. */
  selfSeconds: number;
  /** Time of direct child operations, seconds, by child type. */
  children: Map<string, number>;
}

interface Slot {
  start: number;
  parents: Map<string, ParentSums>;
}

/**
 * Where the time of each operation type goes: the stage breakdown. An operation collects the
 * time of its child operations while it runs (see Recorder); when it ends, that is folded here
 * into sums per (parent type, child type), kept since start and in time slots for the recent
 * window, like the percentile reader's. Memory is bounded by types² × (slots + 1), whatever the
 * number of operations; nothing is kept per operation once it ends.
 */
export class BreakdownSums {
  /** Sums of the slots that left the window, so that "since start" needs no second fold per operation. */
  private evicted = new Map<string, ParentSums>();
  private slots: Slot[] = [];

  constructor(
    /** The longest recent window, seconds. */
    private readonly windowSeconds: number,
    /** Granularity of the recent window, seconds. */
    private readonly slotSeconds: number,
  ) {}

  /**
   * Folds one ended operation of `type`, lasting `seconds`, whose children took `children`
   * (seconds by child type; undefined when it had none).
   */
  fold(type: string, seconds: number, children: Map<string, number> | undefined, now = Date.now()): void {
    let childSeconds = 0;
    if (children !== undefined) for (const s of children.values()) childSeconds += s;
    add(this.currentSlot(now).parents, type, seconds, Math.max(0, seconds - childSeconds), children);
  }

  /** Forgets everything (clearMetrics()). */
  clear(): void {
    this.evicted = new Map();
    this.slots = [];
  }

  /**
   * The sums since start (or the last clear) when `windowSeconds` is undefined, otherwise over
   * the most recent slots covering it (slot granularity, as the percentile reader's).
   */
  sums(windowSeconds?: number, now = Date.now()): Map<string, ParentSums> {
    const merged = new Map<string, ParentSums>();
    let from = -Infinity;
    if (windowSeconds === undefined) {
      for (const [type, s] of this.evicted) add(merged, type, s.seconds, s.selfSeconds, s.children, s.operations);
    } else {
      const slotMs = this.slotSeconds * 1000;
      from = Math.floor((now - Math.min(windowSeconds, this.windowSeconds) * 1000) / slotMs) * slotMs;
    }
    for (const slot of this.slots) {
      if (slot.start < from) continue;
      for (const [type, s] of slot.parents) add(merged, type, s.seconds, s.selfSeconds, s.children, s.operations);
    }
    return merged;
  }

  private currentSlot(now: number): Slot {
    const last = this.slots[this.slots.length - 1];
    if (last !== undefined && now >= last.start && now - last.start < this.slotSeconds * 1000) return last;
    return this.slotAt(now);
  }

  private slotAt(now: number): Slot {
    const slotMs = this.slotSeconds * 1000;
    const start = Math.floor(now / slotMs) * slotMs;
    let last = this.slots[this.slots.length - 1];
    if (last === undefined || last.start !== start) {
      last = { start, parents: new Map() };
      this.slots.push(last);
      const oldest = start - this.windowSeconds * 1000;
      while (this.slots.length > 0 && this.slots[0]!.start + slotMs <= oldest) {
        for (const [type, s] of this.slots.shift()!.parents) add(this.evicted, type, s.seconds, s.selfSeconds, s.children, s.operations);
      }
    }
    return last;
  }
}

function add(
  map: Map<string, ParentSums>,
  type: string,
  seconds: number,
  selfSeconds: number,
  children: Map<string, number> | undefined,
  operations = 1,
): void {
  let sums = map.get(type);
  if (sums === undefined) {
    sums = { operations: 0, seconds: 0, selfSeconds: 0, children: new Map() };
    map.set(type, sums);
  }
  sums.operations += operations;
  sums.seconds += seconds;
  sums.selfSeconds += selfSeconds;
  if (children !== undefined) for (const [child, s] of children) sums.children.set(child, (sums.children.get(child) ?? 0) + s);
}
