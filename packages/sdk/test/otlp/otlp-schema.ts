import { join } from 'node:path';
import { Root, type IConversionOptions, type Type } from 'protobufjs';

/**
 * OTLP request bodies as the tests read them, whatever the wire format: the OTLP/JSON shape
 * (lowerCamelCase fields, trace and span ids as hex strings, 64-bit integers as decimal
 * strings, enums as numbers). Protobuf bodies are decoded with the .proto subset in ./proto
 * and converted to this shape; JSON bodies are parsed and brought to it.
 */
export interface OtlpAnyValue {
  stringValue?: string;
  boolValue?: boolean;
  intValue?: string;
  doubleValue?: number;
  arrayValue?: { values?: OtlpAnyValue[] };
  kvlistValue?: { values?: OtlpKeyValue[] };
  bytesValue?: string;
}

export interface OtlpKeyValue {
  key: string;
  value?: OtlpAnyValue;
}

export interface OtlpResource {
  attributes?: OtlpKeyValue[];
  droppedAttributesCount?: number;
}

export interface OtlpScope {
  name?: string;
  version?: string;
  attributes?: OtlpKeyValue[];
}

export interface OtlpSpanEvent {
  timeUnixNano?: string;
  name?: string;
  attributes?: OtlpKeyValue[];
}

export interface OtlpSpan {
  traceId?: string;
  spanId?: string;
  parentSpanId?: string;
  traceState?: string;
  flags?: number;
  name?: string;
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: OtlpKeyValue[];
  events?: OtlpSpanEvent[];
  status?: { code?: number; message?: string };
}

export interface OtlpTraceRequest {
  resourceSpans?: {
    resource?: OtlpResource;
    scopeSpans?: { scope?: OtlpScope; spans?: OtlpSpan[]; schemaUrl?: string }[];
    schemaUrl?: string;
  }[];
}

export interface OtlpNumberDataPoint {
  attributes?: OtlpKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  asDouble?: number;
  asInt?: string;
}

export interface OtlpHistogramDataPoint {
  attributes?: OtlpKeyValue[];
  startTimeUnixNano?: string;
  timeUnixNano?: string;
  count?: string;
  sum?: number;
  bucketCounts?: string[];
  explicitBounds?: number[];
  min?: number;
  max?: number;
}

/** AggregationTemporality of metrics.proto. */
export const TEMPORALITY_DELTA = 1;
export const TEMPORALITY_CUMULATIVE = 2;
/** Status.StatusCode of trace.proto. */
export const STATUS_CODE_ERROR = 2;

export interface OtlpMetric {
  name?: string;
  description?: string;
  unit?: string;
  gauge?: { dataPoints?: OtlpNumberDataPoint[] };
  sum?: { dataPoints?: OtlpNumberDataPoint[]; aggregationTemporality?: number; isMonotonic?: boolean };
  histogram?: { dataPoints?: OtlpHistogramDataPoint[]; aggregationTemporality?: number };
  exponentialHistogram?: { dataPoints?: unknown[]; aggregationTemporality?: number };
  summary?: { dataPoints?: unknown[] };
}

export interface OtlpMetricsRequest {
  resourceMetrics?: {
    resource?: OtlpResource;
    scopeMetrics?: { scope?: OtlpScope; metrics?: OtlpMetric[]; schemaUrl?: string }[];
    schemaUrl?: string;
  }[];
}

export type Signal = 'traces' | 'metrics';

// ---- protobuf -------------------------------------------------------------------------------

const PROTO_DIR = join(__dirname, 'proto');
const SERVICES = {
  traces: 'opentelemetry/proto/collector/trace/v1/trace_service.proto',
  metrics: 'opentelemetry/proto/collector/metrics/v1/metrics_service.proto',
} as const;

let root: Root | undefined;

/** The OTLP .proto subset of ./proto, loaded once (imports resolved against ./proto). */
export function otlpRoot(): Root {
  if (root === undefined) {
    const r = new Root();
    r.resolvePath = (_origin, target) => join(PROTO_DIR, target);
    r.loadSync(Object.values(SERVICES));
    root = r;
  }
  return root;
}

export const requestType = (signal: Signal): Type =>
  otlpRoot().lookupType(
    signal === 'traces'
      ? 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest'
      : 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
  );

export const responseType = (signal: Signal): Type =>
  otlpRoot().lookupType(
    signal === 'traces'
      ? 'opentelemetry.proto.collector.trace.v1.ExportTraceServiceResponse'
      : 'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceResponse',
  );

/** gRPC method paths of the collector services. */
export const GRPC_EXPORT_PATH: Record<Signal, string> = {
  traces: '/opentelemetry.proto.collector.trace.v1.TraceService/Export',
  metrics: '/opentelemetry.proto.collector.metrics.v1.MetricsService/Export',
};

const TO_OBJECT: IConversionOptions = { longs: String, enums: Number, bytes: String, defaults: false };
const ID_KEYS = new Set(['traceId', 'spanId', 'parentSpanId']);
const INT64_KEYS = new Set(['intValue', 'asInt', 'count', 'bucketCounts', 'zeroCount', 'startTimeUnixNano', 'timeUnixNano', 'endTimeUnixNano']);

/** Walks a decoded value, rewriting fields by key (returns a new tree). */
function mapFields(value: unknown, rewrite: (key: string, v: unknown) => unknown): unknown {
  if (Array.isArray(value)) return value.map((v) => mapFields(v, rewrite));
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const mapped = rewrite(k, mapFields(v, rewrite));
    if (mapped !== undefined) out[k] = mapped;
  }
  return out;
}

/** Decodes an application/x-protobuf (or gRPC) request body. */
export function decodeProtobuf(signal: 'traces', body: Uint8Array): OtlpTraceRequest;
export function decodeProtobuf(signal: 'metrics', body: Uint8Array): OtlpMetricsRequest;
export function decodeProtobuf(signal: Signal, body: Uint8Array): OtlpTraceRequest | OtlpMetricsRequest;
export function decodeProtobuf(signal: Signal, body: Uint8Array): OtlpTraceRequest | OtlpMetricsRequest {
  const type = requestType(signal);
  const plain = type.toObject(type.decode(body), TO_OBJECT);
  // bytes came out base64; OTLP/JSON writes ids as hex (an empty id means "none").
  return mapFields(plain, (key, v) => {
    if (!ID_KEYS.has(key) || typeof v !== 'string') return v;
    const hex = Buffer.from(v, 'base64').toString('hex');
    return hex === '' ? undefined : hex;
  }) as OtlpTraceRequest | OtlpMetricsRequest;
}

/** Parses an application/json request body (int64 fields may come as numbers or strings). */
export function decodeJson(signal: 'traces', body: string): OtlpTraceRequest;
export function decodeJson(signal: 'metrics', body: string): OtlpMetricsRequest;
export function decodeJson(signal: Signal, body: string): OtlpTraceRequest | OtlpMetricsRequest;
export function decodeJson(_signal: Signal, body: string): OtlpTraceRequest | OtlpMetricsRequest {
  return mapFields(JSON.parse(body) as unknown, (key, v) => {
    if (!INT64_KEYS.has(key)) return v;
    if (typeof v === 'number') return String(v);
    if (Array.isArray(v)) return v.map((x: unknown) => (typeof x === 'number' ? String(x) : x));
    return v;
  }) as OtlpTraceRequest | OtlpMetricsRequest;
}

/**
 * The request with every field at its proto3 default left out (0, '', false, empty lists and
 * messages), which is how both encodings may or may not write them: two encodings of the same
 * data have equal canonical forms.
 */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) {
    const items = value.map(canonical);
    return items.length === 0 ? undefined : items.map((x) => x ?? {});
  }
  if (value === null || typeof value !== 'object') {
    return value === 0 || value === '' || value === false || value === '0' || value === null ? undefined : value;
  }
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    const c = canonical(v);
    if (c !== undefined) out[k] = c;
  }
  return Object.keys(out).length === 0 ? undefined : out;
}

// ---- reading ------------------------------------------------------------------------------

function anyValue(v: OtlpAnyValue | undefined): unknown {
  if (v === undefined) return undefined;
  if (v.stringValue !== undefined) return v.stringValue;
  if (v.boolValue !== undefined) return v.boolValue;
  if (v.intValue !== undefined) return Number(v.intValue);
  if (v.doubleValue !== undefined) return v.doubleValue;
  if (v.arrayValue !== undefined) return (v.arrayValue.values ?? []).map(anyValue);
  if (v.kvlistValue !== undefined) return attributesOf(v.kvlistValue.values);
  if (v.bytesValue !== undefined) return v.bytesValue;
  // proto3 leaves a default scalar (0, false, '') off the wire: the oneof reads as empty.
  return undefined;
}

/** OTLP attributes as a plain object (64-bit integers as numbers). */
export function attributesOf(kvs: OtlpKeyValue[] | undefined): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const kv of kvs ?? []) out[kv.key] = anyValue(kv.value);
  return out;
}

export interface ReceivedSpan extends OtlpSpan {
  /** Span attributes as a plain object. */
  attrs: Record<string, unknown>;
  resource: Record<string, unknown>;
  scope: string | undefined;
}

export function spansOf(requests: readonly OtlpTraceRequest[]): ReceivedSpan[] {
  const out: ReceivedSpan[] = [];
  for (const request of requests) {
    for (const rs of request.resourceSpans ?? []) {
      const resource = attributesOf(rs.resource?.attributes);
      for (const ss of rs.scopeSpans ?? []) {
        for (const span of ss.spans ?? []) {
          out.push({ ...span, attrs: attributesOf(span.attributes), resource, scope: ss.scope?.name });
        }
      }
    }
  }
  return out;
}

export interface ReceivedMetric extends OtlpMetric {
  resource: Record<string, unknown>;
  scope: string | undefined;
}

export function metricsOf(requests: readonly OtlpMetricsRequest[]): ReceivedMetric[] {
  const out: ReceivedMetric[] = [];
  for (const request of requests) {
    for (const rm of request.resourceMetrics ?? []) {
      const resource = attributesOf(rm.resource?.attributes);
      for (const sm of rm.scopeMetrics ?? []) {
        for (const metric of sm.metrics ?? []) out.push({ ...metric, resource, scope: sm.scope?.name });
      }
    }
  }
  return out;
}
