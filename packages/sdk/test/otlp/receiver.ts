import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import {
  decodeJson,
  decodeProtobuf,
  metricsOf,
  responseType,
  spansOf,
  type OtlpMetricsRequest,
  type OtlpTraceRequest,
  type ReceivedMetric,
  type ReceivedSpan,
  type Signal,
} from './otlp-schema';

/**
 * How a test receiver answers an export:
 * - ok: 200 (gRPC: OK) with an empty Export*ServiceResponse;
 * - error: that HTTP status (gRPC: UNAVAILABLE for 503, INTERNAL otherwise), optionally with Retry-After;
 * - hang: reads and records the request, never answers;
 * - slow: answers ok after `delayMs`.
 */
export type Behaviour =
  | { kind: 'ok' }
  | { kind: 'error'; status: number; retryAfterSeconds?: number }
  | { kind: 'hang' }
  | { kind: 'slow'; delayMs: number };

export interface ReceivedRequest<T> {
  signal: Signal;
  /** application/x-protobuf, application/json or application/grpc. */
  contentType: string;
  /** Request headers (gRPC: metadata), keys lower-case. */
  headers: Record<string, string>;
  /** The decoded body; undefined when it could not be decoded (see `error`). */
  body: T | undefined;
  error?: string;
}

/** What a receiver got, with the readers the tests use. */
export class Recording {
  readonly traceRequests: ReceivedRequest<OtlpTraceRequest>[] = [];
  readonly metricRequests: ReceivedRequest<OtlpMetricsRequest>[] = [];

  protected record(
    signal: Signal,
    contentType: string,
    headers: Record<string, string>,
    decode: () => unknown,
  ): ReceivedRequest<unknown> {
    let body: unknown;
    let error: string | undefined;
    try {
      body = decode();
    } catch (e) {
      error = `${signal}: ${String(e)}`;
    }
    const request = { signal, contentType, headers, body, error };
    if (signal === 'traces') this.traceRequests.push(request as ReceivedRequest<OtlpTraceRequest>);
    else this.metricRequests.push(request as ReceivedRequest<OtlpMetricsRequest>);
    return request;
  }

  /** Every request of both signals. */
  requests(): ReceivedRequest<unknown>[] {
    return [...this.traceRequests, ...this.metricRequests];
  }

  /** Decode failures; a test expecting data expects none. */
  errors(): string[] {
    return this.requests().flatMap((r) => (r.error === undefined ? [] : [r.error]));
  }

  spans(): ReceivedSpan[] {
    return spansOf(this.traceRequests.flatMap((r) => (r.body === undefined ? [] : [r.body])));
  }

  /** Every exported instance of every metric, in arrival order. */
  metrics(): ReceivedMetric[] {
    return metricsOf(this.metricRequests.flatMap((r) => (r.body === undefined ? [] : [r.body])));
  }

  /** The most recently collected instance of a metric (cumulative: the final totals). */
  lastMetric(name: string): ReceivedMetric | undefined {
    const collectedAt = (m: ReceivedMetric): bigint => {
      const points: { timeUnixNano?: string }[] = m.histogram?.dataPoints ?? m.sum?.dataPoints ?? m.gauge?.dataPoints ?? [];
      return points.reduce((max, p) => (BigInt(p.timeUnixNano ?? '0') > max ? BigInt(p.timeUnixNano ?? '0') : max), 0n);
    };
    let last: ReceivedMetric | undefined;
    for (const m of this.metrics()) if (m.name === name && (last === undefined || collectedAt(m) >= collectedAt(last))) last = m;
    return last;
  }
}

const PATHS: Record<string, Signal> = { '/v1/traces': 'traces', '/v1/metrics': 'metrics' };

function headerMap(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(req.headers)) if (v !== undefined) out[k] = Array.isArray(v) ? v.join(', ') : v;
  return out;
}

/** A local OTLP/HTTP receiver (POST /v1/traces, /v1/metrics) on 127.0.0.1 and a free port. */
export class OtlpHttpReceiver extends Recording {
  behaviour: Behaviour;
  /** Base URL, e.g. http://127.0.0.1:40123 — what `otlp.endpoint` takes. */
  readonly url: string;
  private readonly server: Server;
  private readonly timers = new Set<NodeJS.Timeout>();

  private constructor(server: Server, url: string, behaviour: Behaviour) {
    super();
    this.server = server;
    this.url = url;
    this.behaviour = behaviour;
    server.on('request', (req: IncomingMessage, res: ServerResponse) => this.handle(req, res));
  }

  static async start(behaviour: Behaviour = { kind: 'ok' }): Promise<OtlpHttpReceiver> {
    const server = createServer();
    const port = await listen(server);
    return new OtlpHttpReceiver(server, `http://127.0.0.1:${port}`, behaviour);
  }

  private handle(req: IncomingMessage, res: ServerResponse): void {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const signal = PATHS[req.url ?? ''];
      if (req.method !== 'POST' || signal === undefined) {
        res.writeHead(404).end();
        return;
      }
      const contentType = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
      const raw = Buffer.concat(chunks);
      const received = this.record(signal, contentType, headerMap(req), () => {
        const body = req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw;
        if (contentType === 'application/x-protobuf') return decodeProtobuf(signal, body);
        if (contentType === 'application/json') return decodeJson(signal, body.toString('utf8'));
        throw new Error(`unsupported content-type ${JSON.stringify(contentType)}`);
      });
      if (received.error !== undefined) {
        res.writeHead(400).end();
        return;
      }
      this.answer(signal, contentType, res);
    });
  }

  private answer(signal: Signal, contentType: string, res: ServerResponse): void {
    const b = this.behaviour;
    const ok = (): void => {
      if (contentType === 'application/json') {
        res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      } else {
        const type = responseType(signal);
        res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end(type.encode(type.create({})).finish());
      }
    };
    switch (b.kind) {
      case 'ok':
        return ok();
      case 'error':
        res.writeHead(b.status, b.retryAfterSeconds === undefined ? {} : { 'retry-after': String(b.retryAfterSeconds) }).end();
        return;
      case 'hang':
        return; // the socket stays open until the exporter gives up or close() destroys it
      case 'slow': {
        const timer = setTimeout(() => {
          this.timers.delete(timer);
          if (!res.destroyed) ok();
        }, b.delayMs);
        this.timers.add(timer);
        return;
      }
    }
  }

  /** Stops listening and drops every open connection (hung requests included). */
  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    this.server.closeAllConnections();
    await closed;
  }
}

function listen(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port));
  });
}

/** The URL of a port nothing listens on (bound, then released): connections are refused. */
export async function unreachableUrl(): Promise<string> {
  const server = createServer();
  const port = await listen(server);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return `http://127.0.0.1:${port}`;
}
