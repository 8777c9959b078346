import type { HealthStatus, Report } from '@ragmeter/sdk';
import { errorMessage, UsageError } from '../errors.js';
import { checkReport } from '../report-schema.js';

export interface ServiceEndpoints {
  /** The URL as given (normalised), shown in the frame header. */
  base: string;
  report: URL;
  health: URL;
}

export type ServiceStatus =
  | {
      reachable: true;
      report: Report;
      health: HealthStatus;
      /** Why /health could not be used, when the report's own health section is shown instead. */
      healthProblem?: string;
    }
  | { reachable: false; problem: string };

/**
 * Resolves /report and /health under a service URL. A missing scheme means http, and a path
 * prefix is kept (http://host/ragmeter -> http://host/ragmeter/report).
 */
export function serviceEndpoints(url: string): ServiceEndpoints {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
  let parsed: URL;
  try {
    parsed = new URL(withScheme);
  } catch {
    throw new UsageError(`not a valid URL: '${url}'`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new UsageError(`the service URL must be http or https (got '${url}')`);
  }
  parsed.search = '';
  parsed.hash = '';
  if (!parsed.pathname.endsWith('/')) parsed.pathname += '/';
  return {
    base: parsed.href.replace(/\/$/, ''),
    report: new URL('report', parsed),
    health: new URL('health', parsed),
  };
}

function describeFetchError(error: unknown, timeoutMs: number): string {
  // Duck-typed rather than instanceof: fetch's errors may come from another realm (vm, jest).
  const { name, cause } = (typeof error === 'object' && error !== null ? error : {}) as {
    name?: unknown;
    cause?: { message?: unknown };
  };
  if (name === 'TimeoutError' || name === 'AbortError') return `no answer within ${timeoutMs / 1000}s`;
  // fetch() says "fetch failed"; the useful part (ECONNREFUSED, ENOTFOUND ...) is in the cause.
  if (typeof cause?.message === 'string' && cause.message !== '') return cause.message;
  return errorMessage(error);
}

type Fetched = { ok: true; status: number; body: unknown } | { ok: false; problem: string };

async function getJson(url: URL, timeoutMs: number, signal: AbortSignal | undefined): Promise<Fetched> {
  const signals = [AbortSignal.timeout(timeoutMs)];
  if (signal !== undefined) signals.push(signal);
  let response: Response;
  let text: string;
  try {
    response = await fetch(url, { signal: AbortSignal.any(signals), headers: { accept: 'application/json' } });
    text = await response.text();
  } catch (error) {
    return { ok: false, problem: `${url.href}: ${describeFetchError(error, timeoutMs)}` };
  }
  try {
    return { ok: true, status: response.status, body: JSON.parse(text) };
  } catch {
    return { ok: false, problem: `${url.href}: answered HTTP ${response.status} without a JSON body` };
  }
}

function isHealthStatus(value: unknown): value is HealthStatus {
  if (typeof value !== 'object' || value === null) return false;
  const health = value as Partial<HealthStatus>;
  return (
    (health.status === 'healthy' || health.status === 'warning') &&
    typeof health.memory_mb === 'number' &&
    typeof health.total_operations === 'number' &&
    Array.isArray(health.issues) &&
    health.issues.every((issue) => typeof issue === 'string')
  );
}

/**
 * Reads GET /report and GET /health once. /health answers 200 when healthy and 503 when
 * warning, both with a JSON body, so its status code is not an error. Without a usable report
 * the service counts as unreachable; without a usable /health the report's own health is used.
 */
export async function fetchServiceStatus(
  endpoints: ServiceEndpoints,
  options: { timeoutMs: number; signal?: AbortSignal },
): Promise<ServiceStatus> {
  const [report, health] = await Promise.all([
    getJson(endpoints.report, options.timeoutMs, options.signal),
    getJson(endpoints.health, options.timeoutMs, options.signal),
  ]);
  if (!report.ok) return { reachable: false, problem: report.problem };
  if (report.status !== 200) {
    return { reachable: false, problem: `${endpoints.report.href}: answered HTTP ${report.status}` };
  }
  const check = checkReport(report.body);
  if (!check.ok) return { reachable: false, problem: `${endpoints.report.href}: ${check.problem}` };

  if (health.ok && isHealthStatus(health.body)) {
    return { reachable: true, report: check.report, health: health.body };
  }
  const healthProblem = health.ok ? `${endpoints.health.href}: not a health status` : health.problem;
  return { reachable: true, report: check.report, health: check.report.health, healthProblem };
}
