import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { UsageError } from '../../src/errors.js';
import { fetchServiceStatus, serviceEndpoints } from '../../src/watch/service-status.js';
import { pipelineReport } from '../report-fixture.js';

describe('serviceEndpoints', () => {
  it.each([
    ['http://127.0.0.1:9464', 'http://127.0.0.1:9464/report', 'http://127.0.0.1:9464/health'],
    ['http://127.0.0.1:9464/', 'http://127.0.0.1:9464/report', 'http://127.0.0.1:9464/health'],
    ['localhost:9464', 'http://localhost:9464/report', 'http://localhost:9464/health'],
    ['https://svc.example/ragmeter?x=1', 'https://svc.example/ragmeter/report', 'https://svc.example/ragmeter/health'],
  ])('%s -> %s and %s', (url, report, health) => {
    const endpoints = serviceEndpoints(url);
    expect(endpoints.report.href).toBe(report);
    expect(endpoints.health.href).toBe(health);
  });

  it.each(['ftp://example.com', 'http://', 'http://exa mple.com'])('rejects %s', (url) => {
    expect(() => serviceEndpoints(url)).toThrow(UsageError);
  });
});

describe('fetchServiceStatus', () => {
  type Route = { status: number; body: string };
  let routes: Record<string, Route>;
  let server: Server;
  let base: string;

  beforeAll(async () => {
    server = createServer((req, res) => {
      const route = routes[req.url ?? ''] ?? { status: 404, body: 'not found' };
      res.writeHead(route.status, { 'content-type': 'application/json' }).end(route.body);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const report = pipelineReport();
  const warning = { status: 'warning', memory_mb: 10, total_operations: 3, issues: ['too slow'] };

  it('reads a warning health answered with 503', async () => {
    routes = {
      '/report': { status: 200, body: JSON.stringify(report) },
      '/health': { status: 503, body: JSON.stringify(warning) },
    };
    expect(await fetchServiceStatus(serviceEndpoints(base), { timeoutMs: 2000 })).toEqual({
      reachable: true,
      report,
      health: warning,
    });
  });

  it('falls back to the report health when /health is unusable', async () => {
    routes = {
      '/report': { status: 200, body: JSON.stringify(report) },
      '/health': { status: 200, body: '{"ok":true}' },
    };
    const status = await fetchServiceStatus(serviceEndpoints(base), { timeoutMs: 2000 });
    expect(status).toMatchObject({ reachable: true, health: report.health });
    expect(status.reachable && status.healthProblem).toBe(`${base}/health: not a health status`);
  });

  it.each([
    [{ status: 500, body: '{}' }, 'answered HTTP 500'],
    [{ status: 200, body: '<html>' }, 'answered HTTP 200 without a JSON body'],
    [{ status: 200, body: '{"hello":"world"}' }, 'not a ragmeter report (no "schema_version" field)'],
  ])('counts a /report answer of %j as unusable', async (route, problem) => {
    routes = { '/report': route, '/health': { status: 200, body: JSON.stringify(report.health) } };
    expect(await fetchServiceStatus(serviceEndpoints(base), { timeoutMs: 2000 })).toEqual({
      reachable: false,
      problem: `${base}/report: ${problem}`,
    });
  });

  it('describes a refused connection by its cause', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const status = await fetchServiceStatus(serviceEndpoints(`127.0.0.1:${port}`), { timeoutMs: 2000 });
    expect(status).toEqual({
      reachable: false,
      problem: `http://127.0.0.1:${port}/report: connect ECONNREFUSED 127.0.0.1:${port}`,
    });
  });

  it('gives up on a service that does not answer in time', async () => {
    const silent = createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const port = (silent.address() as AddressInfo).port;
    try {
      const status = await fetchServiceStatus(serviceEndpoints(`127.0.0.1:${port}`), { timeoutMs: 200 });
      expect(status).toEqual({ reachable: false, problem: `http://127.0.0.1:${port}/report: no answer within 0.2s` });
    } finally {
      silent.closeAllConnections();
      await new Promise<void>((resolve) => silent.close(() => resolve()));
    }
  });
});
