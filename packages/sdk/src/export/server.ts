import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { HealthStatus, Report } from '../report/types.js';

const PROMETHEUS_CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';
/**
 * Requests one connection may make; later ones get a 503 from Node and the connection closes.
 * Prometheus reconnects as needed; a pipelined flood of scrapes costs this many, not thousands.
 */
const MAX_REQUESTS_PER_CONNECTION = 16;

/** What the server serves: it is handed these and knows nothing else of the monitor. */
export interface ServedContent {
  /** The Prometheus text of /metrics (text, or UTF-8 buffers sent one after another); none → /metrics answers 404. */
  metrics?: () => Promise<string | readonly Buffer[]>;
  /** The report of /report (since start, or over the last `windowSeconds`). */
  report: (windowSeconds: number | undefined) => Promise<Report>;
  /** The health of /health. */
  health: () => Promise<HealthStatus>;
  /** The live page of GET / (with its script, style sheet and icon); none → / answers 404. */
  page?: StaticPage;
}

/** A static page the server serves at / and its files beside it. */
export interface StaticPage {
  html: string;
  script: string;
  style: string;
  icon: string;
}

/**
 * The page and its files come from this server alone: no inline script or style, no other
 * origin, no framing. The page only reads (fetch of /report), so that is all it may do.
 */
const PAGE_POLICY = "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'; object-src 'none'";

export interface RagMeterServerOptions {
  host: string;
  port: number;
  serves: ServedContent;
}

/**
 * One HTTP server for the read endpoints:
 * GET /metrics (Prometheus text), GET /report (the JSON report; `?window=<seconds>` for a
 * recent window), GET /health (200 healthy, 503 warning: a readiness probe), and GET / (the
 * live page, with /page.js, /page.css and /favicon.svg). HEAD works on each; anything else is
 * 404 (or 405 for other methods).
 */
export class RagMeterServer {
  readonly host: string;
  private readonly server: Server;
  private readonly serves: ServedContent;
  /** The /metrics text being made: concurrent scrapes share it instead of each collecting. */
  private metricsInFlight: Promise<string | readonly Buffer[]> | undefined;
  /** Resolves once listening; rejects with a clear error if the port cannot be bound. */
  readonly ready: Promise<AddressInfo>;

  constructor(options: RagMeterServerOptions) {
    this.serves = options.serves;
    this.host = options.host;
    this.server = createServer((req, res) => {
      this.handle(req, res).catch((error: unknown) => {
        if (!res.headersSent) send(res, req, 500, 'text/plain; charset=utf-8', `ragmeter: ${String(error)}\n`);
        else res.destroy();
      });
    });
    this.server.maxRequestsPerSocket = MAX_REQUESTS_PER_CONNECTION;
    this.ready = new Promise<AddressInfo>((resolve, reject) => {
      const onError = (error: NodeJS.ErrnoException) => {
        const where = `${options.host}:${options.port}`;
        const hint =
          error.code === 'EADDRINUSE'
            ? `port ${options.port} on ${options.host} is already in use; set prometheus.port (or RAGMETER_PROMETHEUS_PORT) to a free port, 0 for any, or prometheus: false`
            : error.code === 'EACCES'
              ? `no permission to listen on ${where}`
              : `cannot listen on ${where}: ${error.message}`;
        const wrapped = new Error(`ragmeter: metrics server not started: ${hint}`, { cause: error });
        (wrapped as NodeJS.ErrnoException).code = error.code;
        reject(wrapped);
      };
      this.server.once('error', onError);
      this.server.listen(options.port, options.host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
    // Never leave the host app with an unhandled rejection; callers can await `ready`.
    this.ready.catch(() => undefined);
    this.server.unref();
  }

  /** http://host:port once listening. */
  async url(): Promise<string> {
    const address = await this.ready;
    const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
    return `http://${host}:${address.port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      if (!this.server.listening) return resolve();
      this.server.close(() => resolve());
      this.server.closeAllConnections();
    });
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    // A queued request of a connection the client already closed: nobody reads the answer.
    if (!req.socket.writable) return void res.destroy();
    let url: URL;
    try {
      url = new URL(req.url ?? '/', 'http://localhost');
    } catch {
      return send(res, req, 400, 'application/json', JSON.stringify({ error: 'malformed request target' }) + '\n');
    }
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const page = this.serves.page;
    const file = page === undefined ? undefined : pageFile(page, path);
    const known = path === '/metrics' || path === '/report' || path === '/health' || file !== undefined;
    if (!known || (path === '/metrics' && this.serves.metrics === undefined)) {
      const endpoints = [...(page === undefined ? [] : ['/']), '/metrics', '/report', '/health'];
      return send(res, req, 404, 'application/json', JSON.stringify({ error: `not found: ${path}`, endpoints }) + '\n');
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.setHeader('Allow', 'GET, HEAD');
      return send(res, req, 405, 'application/json', JSON.stringify({ error: `method ${req.method} not allowed` }) + '\n');
    }
    if (file !== undefined) {
      res.setHeader('Content-Security-Policy', PAGE_POLICY);
      res.setHeader('X-Content-Type-Options', 'nosniff');
      res.setHeader('Referrer-Policy', 'no-referrer');
      return send(res, req, 200, file.type, file.body);
    }
    if (path === '/metrics') {
      const text = await (this.metricsInFlight ??= this.serves.metrics!().finally(() => (this.metricsInFlight = undefined)));
      if (!req.socket.writable) return void res.destroy();
      return send(res, req, 200, PROMETHEUS_CONTENT_TYPE, text);
    }
    if (path === '/health') {
      const health = await this.serves.health();
      return send(res, req, health.status === 'healthy' ? 200 : 503, 'application/json', JSON.stringify(health) + '\n');
    }
    const window = url.searchParams.get('window');
    let windowSeconds: number | undefined;
    if (window !== null) {
      windowSeconds = Number(window);
      if (!Number.isFinite(windowSeconds) || windowSeconds <= 0) {
        return send(res, req, 400, 'application/json', JSON.stringify({ error: 'window must be a positive number of seconds' }) + '\n');
      }
    }
    const report = await this.serves.report(windowSeconds);
    return send(res, req, 200, 'application/json', JSON.stringify(report) + '\n');
  }
}

/** The file of the live page at `path`, if any. */
function pageFile(page: StaticPage, path: string): { type: string; body: string } | undefined {
  switch (path) {
    case '/':
      return { type: 'text/html; charset=utf-8', body: page.html };
    case '/page.js':
      return { type: 'text/javascript; charset=utf-8', body: page.script };
    case '/page.css':
      return { type: 'text/css; charset=utf-8', body: page.style };
    case '/favicon.svg':
      return { type: 'image/svg+xml', body: page.icon };
    default:
      return undefined;
  }
}

/** Answers with `body`: a string, or buffers written one after another (no copy into one piece). */
function send(res: ServerResponse, req: IncomingMessage, status: number, type: string, body: string | readonly Buffer[]): void {
  res.statusCode = status;
  res.setHeader('Content-Type', type);
  let length = 0;
  if (typeof body === 'string') length = Buffer.byteLength(body);
  else for (const chunk of body) length += chunk.length;
  res.setHeader('Content-Length', length);
  res.setHeader('Cache-Control', 'no-store');
  if (req.method === 'HEAD') return void res.end();
  if (typeof body === 'string') return void res.end(body);
  for (const chunk of body) res.write(chunk);
  res.end();
}
