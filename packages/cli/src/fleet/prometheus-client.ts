import { errorMessage, InputError } from '../errors.js';
import type { PrometheusTarget } from './prometheus-target.js';

/** One element of an instant vector: its labels and its value (histogram samples are not read). */
export interface Sample {
  labels: Record<string, string>;
  value: number;
}

/** Something wrong with the Prometheus side: unreachable, refused, not Prometheus, rejected a query. Exit 2. */
export class PrometheusError extends InputError {
  override name = 'PrometheusError';
}

const AUTH_HINT = "set --header 'Authorization: Bearer <token>' or RAGMETER_PROMETHEUS_HEADERS";

function describeFetchError(error: unknown, timeoutMs: number): string {
  // Duck-typed rather than instanceof: fetch's errors may come from another realm (vm, jest).
  const { name, cause } = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    cause?: { message?: unknown; code?: unknown };
  };
  if (name === 'TimeoutError') return `no answer within ${timeoutMs / 1000}s`;
  // fetch() says "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND, a TLS problem) is in the cause.
  if (typeof cause?.message === 'string' && cause.message !== '') return cause.message;
  return errorMessage(error);
}

interface ApiAnswer {
  status?: unknown;
  error?: unknown;
  data?: { resultType?: unknown; result?: unknown };
}

/**
 * Instant queries against a Prometheus-compatible HTTP API (`POST api/v1/query`), each at the
 * same evaluation time so that the figures of one report agree. Counts the queries it sends.
 */
export class PrometheusClient {
  /** Queries sent so far. */
  queries = 0;
  private readonly endpoint: URL;

  constructor(
    readonly target: PrometheusTarget,
    private readonly options: { timeoutMs: number; signal?: AbortSignal },
  ) {
    this.endpoint = new URL('api/v1/query', target.base);
  }

  /** Runs `expr` at `time` (epoch seconds) and returns its instant vector; `signal` cancels it (watch's Ctrl-C). */
  async query(expr: string, time: number, signal?: AbortSignal): Promise<Sample[]> {
    this.queries += 1;
    const where = `Prometheus at ${this.target.shown}`;
    const signals = [AbortSignal.timeout(this.options.timeoutMs)];
    if (this.options.signal !== undefined) signals.push(this.options.signal);
    if (signal !== undefined) signals.push(signal);
    let response: Response;
    let text: string;
    try {
      response = await fetch(this.endpoint, {
        method: 'POST',
        headers: { ...this.target.headers, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ query: expr, time: time.toFixed(3) }).toString(),
        signal: AbortSignal.any(signals),
      });
      text = await response.text();
    } catch (error) {
      throw new PrometheusError(`cannot reach ${where}: ${describeFetchError(error, this.options.timeoutMs)}`);
    }
    if (response.status === 401 || response.status === 403) {
      const status = `HTTP ${response.status}${response.statusText === '' ? '' : ` ${response.statusText}`}`;
      throw new PrometheusError(`${where} refused the request: ${status} (${AUTH_HINT})`);
    }
    let body: ApiAnswer;
    try {
      body = JSON.parse(text) as ApiAnswer;
    } catch {
      const hint = response.status === 404 ? 'no Prometheus query API under this URL' : 'not the Prometheus HTTP API';
      throw new PrometheusError(`${where}: ${this.endpoint.pathname} answered HTTP ${response.status} without JSON (${hint})`);
    }
    if (body.status !== 'success') {
      const reason = typeof body.error === 'string' ? body.error : `HTTP ${response.status}`;
      throw new PrometheusError(`${where} rejected the query ${JSON.stringify(expr)}: ${reason}`);
    }
    const result = body.data?.result;
    if (body.data?.resultType !== 'vector' || !Array.isArray(result)) {
      throw new PrometheusError(`${where}: the answer to ${JSON.stringify(expr)} is not an instant vector`);
    }
    const samples: Sample[] = [];
    for (const item of result as Array<{ metric?: Record<string, string>; value?: [number, string] }>) {
      if (item.value === undefined) continue;
      samples.push({ labels: item.metric ?? {}, value: Number(item.value[1]) });
    }
    return samples;
  }
}
