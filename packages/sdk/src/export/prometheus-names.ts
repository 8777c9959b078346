/**
 * The OTel-to-Prometheus unit rules the OpenTelemetry Collector's prometheus exporter applies
 * by default (unit suffixes; `_total` is added by the serializer for monotonic counters), so
 * that a series has the same name scraped from us directly or through a Collector.
 */
const UNITS: Record<string, string> = {
  d: 'days', h: 'hours', min: 'minutes', s: 'seconds', ms: 'milliseconds', us: 'microseconds',
  ns: 'nanoseconds', By: 'bytes', KiBy: 'kibibytes', MiBy: 'mebibytes', GiBy: 'gibibytes',
  TiBy: 'tibibytes', KBy: 'kilobytes', MBy: 'megabytes', GBy: 'gigabytes', TBy: 'terabytes',
  m: 'meters', V: 'volts', A: 'amperes', J: 'joules', W: 'watts', g: 'grams', Cel: 'celsius',
  Hz: 'hertz', '%': 'percent',
};
const PER_UNITS: Record<string, string> = {
  s: 'second', m: 'minute', h: 'hour', d: 'day', w: 'week', mo: 'month', y: 'year',
};

/** The Prometheus unit word for an OTel unit ('' when none applies). */
export function prometheusUnit(unit: string, isGauge: boolean): string {
  const plain = unit.replace(/\{[^}]*\}/g, '').trim();
  if (plain === '') return '';
  if (plain === '1') return isGauge ? 'ratio' : '';
  const [main = '', per] = plain.split('/', 2);
  const words: string[] = [];
  if (main !== '') words.push(UNITS[main] ?? main);
  if (per !== undefined && per !== '') words.push('per', PER_UNITS[per] ?? per);
  return words.join('_').replace(/[^a-zA-Z0-9_]/g, '_');
}

/** `name` with the unit suffix (unless it already ends with it). */
export function prometheusBaseName(name: string, unit: string, isGauge: boolean): string {
  const suffix = prometheusUnit(unit, isGauge);
  const sanitized = name.replace(/[^a-zA-Z0-9_:]/g, '_');
  if (suffix === '' || sanitized.endsWith(`_${suffix}`)) return sanitized;
  return `${sanitized}_${suffix}`;
}
