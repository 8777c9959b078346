import { connect } from 'node:net';
import { RagMeterServer, type ServedContent } from '../../src/export/server.js';
import type { HealthStatus, Report } from '../../src/report/types.js';

// The server is handed what it serves; here, stand-ins that count how often they are asked.
const servers: RagMeterServer[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

function serve(metrics: () => Promise<string | readonly Buffer[]>): Promise<string> {
  const serves: ServedContent = {
    metrics,
    report: async () => ({}) as Report,
    health: async () => ({ status: 'healthy', memory_mb: 1, total_operations: 0, issues: [] }) as HealthStatus,
  };
  const server = new RagMeterServer({ host: '127.0.0.1', port: 0, serves });
  servers.push(server);
  return server.url();
}

/** Writes `raw` on one connection, then reads until the server closes it or `ms` pass. */
function rawExchange(url: string, raw: string, ms = 3000): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = connect(Number(port), hostname);
    let data = '';
    socket.on('data', (chunk) => (data += chunk));
    const done = () => {
      socket.destroy();
      resolve(data);
    };
    socket.on('close', done);
    setTimeout(done, ms).unref();
    socket.write(raw);
    socket.end();
  });
}

describe('the HTTP server under hostile load', () => {
  it('a pipelined flood of 500 scrapes on one connection costs at most 16 collections; /health answers meanwhile', async () => {
    let collections = 0;
    const url = await serve(async () => {
      collections++;
      return 'rag_metric 1\n';
    });
    const flood = rawExchange(url, 'GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(500));
    const health = await fetch(`${url}/health`);
    expect(health.status).toBe(200);
    const answers = await flood;
    const ok = (answers.match(/^HTTP\/1\.1 200/gm) ?? []).length;
    expect(ok).toBeGreaterThan(0);
    expect(ok).toBeLessThanOrEqual(16);
    expect(collections).toBeLessThanOrEqual(16);
    expect(answers).toMatch(/^HTTP\/1\.1 503/m);
  });

  it('concurrent scrapes share one collection', async () => {
    let collections = 0;
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const url = await serve(async () => {
      collections++;
      await gate;
      return `rag_metric ${collections}\n`;
    });
    const scrapes = Array.from({ length: 10 }, () => fetch(`${url}/metrics`).then((r) => r.text()));
    await new Promise((r) => setTimeout(r, 100));
    release();
    const bodies = await Promise.all(scrapes);
    expect(collections).toBe(1);
    expect(new Set(bodies)).toEqual(new Set(['rag_metric 1\n']));
    expect(await (await fetch(`${url}/metrics`)).text()).toBe('rag_metric 2\n'); // a later scrape collects anew
  });

  it('/metrics handed as buffers: sent one after another, with their total length, and HEAD sends none', async () => {
    const pieces = ['# TYPE a counter\n', 'a_total{l="ünï"} 1\n', 'b 2\n'].map((t) => Buffer.from(t, 'utf8'));
    const url = await serve(async () => pieces);
    const res = await fetch(`${url}/metrics`);
    const body = Buffer.from(await res.arrayBuffer());
    expect(body.equals(Buffer.concat(pieces))).toBe(true);
    expect(res.headers.get('content-length')).toBe(String(Buffer.concat(pieces).length));
    const head = await fetch(`${url}/metrics`, { method: 'HEAD' });
    expect(head.headers.get('content-length')).toBe(String(Buffer.concat(pieces).length));
    expect((await head.arrayBuffer()).byteLength).toBe(0);
  });

  it('a malformed request target is a 400, not a 500', async () => {
    const url = await serve(async () => '');
    const answer = await rawExchange(url, 'GET http://[ HTTP/1.1\r\nHost: x\r\n\r\n', 1000);
    expect(answer).toMatch(/^HTTP\/1\.1 400/);
  });
});

describe('the live page', () => {
  const page = { html: '<!doctype html><p>page</p>', script: 'void 0;', style: 'p{}', icon: '<svg/>' };
  const start = (withPage: boolean): Promise<string> => {
    const serves: ServedContent = {
      report: async () => ({}) as Report,
      health: async () => ({ status: 'healthy', memory_mb: 1, total_operations: 0, issues: [] }) as HealthStatus,
      ...(withPage ? { page } : {}),
    };
    const server = new RagMeterServer({ host: '127.0.0.1', port: 0, serves });
    servers.push(server);
    return server.url();
  };

  it('serves what it is handed at /, /page.js, /page.css and /favicon.svg', async () => {
    const url = await start(true);
    for (const [path, body] of [
      ['/', page.html],
      ['/page.js', page.script],
      ['/page.css', page.style],
      ['/favicon.svg', page.icon],
    ]) {
      const res = await fetch(`${url}${path}`);
      expect([path, res.status, await res.text()]).toEqual([path, 200, body]);
      expect(res.headers.get('content-security-policy')).toContain("default-src 'self'");
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    }
    const post = await fetch(`${url}/`, { method: 'POST' });
    expect(post.status).toBe(405);
  });

  it('without a page, / is not found and not listed', async () => {
    const url = await start(false);
    const res = await fetch(`${url}/`);
    expect(res.status).toBe(404);
    expect(((await res.json()) as { endpoints: string[] }).endpoints).toEqual(['/metrics', '/report', '/health']);
    expect((await fetch(`${url}/page.js`)).status).toBe(404);
  });
});
