import { InputError } from '../errors.js';

/** Where the fleet's series are read: a Prometheus-compatible HTTP API and the headers it needs. */
export interface PrometheusTarget {
  /** Base URL, ending in `/`, under which `api/v1/query` is resolved (a path prefix is kept). */
  base: URL;
  /** The base as shown to the user: no credentials, no trailing slash. */
  shown: string;
  headers: Record<string, string>;
}

/** The environment variable with extra request headers, `k1=v1,k2=v2` with URL-encoded values. */
export const HEADERS_ENV = 'RAGMETER_PROMETHEUS_HEADERS';

const HEADER_NAME = /^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/;

function checkedHeader(name: string, value: string, where: string): [string, string] {
  const trimmed = name.trim();
  if (!HEADER_NAME.test(trimmed)) throw new InputError(`${where}: '${trimmed}' is not a valid HTTP header name`);
  if (/[\r\n\0]/.test(value)) throw new InputError(`${where}: the value of header '${trimmed}' contains a line break`);
  return [trimmed, value.trim()];
}

/** One `--header 'Name: value'` (curl's form). */
export function parseHeaderFlag(text: string): [string, string] {
  const colon = text.indexOf(':');
  if (colon <= 0) throw new InputError(`--header '${text}': expected 'Name: value', e.g. 'Authorization: Bearer <token>'`);
  return checkedHeader(text.slice(0, colon), text.slice(colon + 1), `--header '${text.slice(0, colon)}: …'`);
}

/** RAGMETER_PROMETHEUS_HEADERS: `Authorization=Bearer%20abc,X-Scope-OrgID=team-a`, as OTEL_EXPORTER_OTLP_HEADERS. */
export function parseHeadersEnv(raw: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const pair of raw.split(',')) {
    if (pair.trim() === '') continue;
    const eq = pair.indexOf('=');
    // Values are not echoed: they are usually secrets.
    if (eq <= 0) throw new InputError(`${HEADERS_ENV}: expected name=value pairs separated by commas`);
    let value: string;
    try {
      value = decodeURIComponent(pair.slice(eq + 1));
    } catch {
      throw new InputError(`${HEADERS_ENV}: the value of '${pair.slice(0, eq).trim()}' is not valid URL encoding`);
    }
    const [name, checked] = checkedHeader(pair.slice(0, eq), value, HEADERS_ENV);
    headers[name] = checked;
  }
  return headers;
}

/**
 * The Prometheus base URL (http or https; no scheme means http) and its headers: those of the
 * environment first, then --header flags, which win for the same name.
 */
export function prometheusTarget(url: string, headerFlags: readonly string[], env: NodeJS.ProcessEnv): PrometheusTarget {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(url) ? url : `http://${url}`;
  let base: URL;
  try {
    base = new URL(withScheme);
  } catch {
    throw new InputError(`--prometheus '${url}': not a valid URL`);
  }
  if (base.protocol !== 'http:' && base.protocol !== 'https:') {
    throw new InputError(`--prometheus '${url}': must be an http or https URL`);
  }
  base.search = '';
  base.hash = '';
  if (!base.pathname.endsWith('/')) base.pathname += '/';

  const headers: Record<string, string> = {};
  const fromEnv = env[HEADERS_ENV];
  if (fromEnv !== undefined) Object.assign(headers, parseHeadersEnv(fromEnv));
  for (const flag of headerFlags) {
    const [name, value] = parseHeaderFlag(flag);
    for (const existing of Object.keys(headers)) if (existing.toLowerCase() === name.toLowerCase()) delete headers[existing];
    headers[name] = value;
  }
  // user:password@ in the URL becomes basic auth; it is never shown.
  if (base.username !== '' || base.password !== '') {
    const credentials = `${decodeURIComponent(base.username)}:${decodeURIComponent(base.password)}`;
    if (!Object.keys(headers).some((h) => h.toLowerCase() === 'authorization')) {
      headers.Authorization = `Basic ${Buffer.from(credentials).toString('base64')}`;
    }
    base.username = '';
    base.password = '';
  }
  return { base, shown: base.href.replace(/\/$/, ''), headers };
}
