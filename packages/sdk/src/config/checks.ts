// The checks every option validator shares, and the options of a hand-built PercentileReader.

/** A configuration mistake, thrown at start-up so it is found where the programmer can fix it. */
export class RagMeterConfigError extends Error {
  /** The offending option, as a path (`prometheus.port`); '(options)' for the whole object. */
  readonly key: string;

  constructor(message: string, key = '(options)') {
    super(message);
    this.name = 'RagMeterConfigError';
    this.key = key;
  }
}

export type Kind = 'string' | 'boolean' | 'number' | 'object' | 'array' | 'function' | 'instance' | 'null';

export const KIND_NAMES: Record<Kind, string> = {
  instance: 'an object',
  object: 'an object',
  array: 'an array',
  boolean: 'true or false',
  number: 'a number',
  string: 'a string',
  function: 'a function',
  null: 'null',
};

/** Node's timers overflow past 2^31 - 1 ms and then fire every millisecond. */
export const MAX_TIMER_MS = 2 ** 31 - 1;
/** The percentile reader collects every windowSeconds / 10. */
export const MAX_WINDOW_SECONDS = Math.floor(MAX_TIMER_MS / 100);

export function kindOf(v: unknown): Kind {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'function') return 'function';
  if (typeof v === 'object') return Object.getPrototypeOf(v) === Object.prototype ? 'object' : 'instance';
  return typeof v as Kind;
}

export function fail(key: string, accepted: string, got: unknown): never {
  const shown =
    typeof got === 'string' ? JSON.stringify(got) : Array.isArray(got) ? 'an array' : typeof got === 'object' && got !== null ? 'an object' : String(got);
  throw new RagMeterConfigError(`ragmeter: invalid config "${key}": expected ${accepted}, got ${shown}`, key);
}

export function checkKeys(where: string, value: Record<string, unknown>, accepted: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!accepted.includes(key)) {
      throw new RagMeterConfigError(`ragmeter: unknown config key "${where}${key}"; accepted keys: ${accepted.join(', ')}`, `${where}${key}`);
    }
  }
}

export function checkPositive(key: string, v: unknown, { integer = false, max = Infinity, zero = false } = {}): void {
  if (v === undefined) return;
  const ok = typeof v === 'number' && Number.isFinite(v) && (zero ? v >= 0 : v > 0) && (!integer || Number.isInteger(v));
  if (!ok) fail(key, `a${zero ? ' non-negative' : ' positive'} ${integer ? 'integer' : 'number'}`, v);
  if ((v as number) > max) fail(key, `at most ${max} (Node's timers overflow beyond that)`, v);
}

/** Slots a reader may keep for its recent window: bounds its memory whatever the options. */
const MAX_SLOTS = 10_000;

/**
 * Options of a PercentileReader built by hand (startRagMeter() and PerformanceMonitor build
 * theirs from validated options). Throws RagMeterConfigError naming the option.
 */
export function validateReaderOptions(options: unknown): void {
  if (options === undefined) return;
  if (kindOf(options) !== 'object' && kindOf(options) !== 'instance') fail('PercentileReader options', 'an object', options);
  const o = options as Record<string, unknown>;
  checkKeys('', o, ['windowSeconds', 'slotSeconds', 'maxSize', 'maxScale', 'cardinalityLimit', 'onCollect']);
  checkPositive('windowSeconds', o.windowSeconds, { max: MAX_WINDOW_SECONDS });
  checkPositive('slotSeconds', o.slotSeconds, { max: Math.floor(MAX_TIMER_MS / 1000) });
  const window = (o.windowSeconds as number | undefined) ?? 300;
  const slot = o.slotSeconds as number | undefined;
  if (slot !== undefined && window / slot > MAX_SLOTS) fail('slotSeconds', `at least windowSeconds / ${MAX_SLOTS} (${window / MAX_SLOTS})`, slot);
  checkPositive('maxSize', o.maxSize, { integer: true, max: 16_384 });
  if (o.maxSize !== undefined && (o.maxSize as number) < 2) fail('maxSize', 'an integer of at least 2', o.maxSize);
  if (o.maxScale !== undefined && (typeof o.maxScale !== 'number' || !Number.isInteger(o.maxScale) || o.maxScale < -10 || o.maxScale > 20)) {
    fail('maxScale', 'an integer from -10 to 20', o.maxScale);
  }
  checkPositive('cardinalityLimit', o.cardinalityLimit, { integer: true });
  if (o.onCollect !== undefined && typeof o.onCollect !== 'function') fail('onCollect', 'a function', o.onCollect);
}
