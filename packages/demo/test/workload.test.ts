// The built-in workload against a stub HTTP server that records what arrives.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FAULT_HEADER } from '../src/server';
import { OFF_TOPIC_QUESTIONS, QUESTIONS, Workload } from '../src/workload';

interface Received {
  question: string;
  fault: string | undefined;
}

let server: Server;
let baseUrl: string;
let received: Received[];
let delayMs: number;
let inFlight = 0;
let maxConcurrent = 0;
let hold: Promise<void> | undefined;

const readJson = (req: IncomingMessage): Promise<{ question: string }> =>
  new Promise((resolve) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => resolve(JSON.parse(body) as { question: string }));
  });

beforeAll(async () => {
  server = createServer((req, res) => {
    void (async () => {
      inFlight++;
      maxConcurrent = Math.max(maxConcurrent, inFlight);
      const { question } = await readJson(req);
      received.push({ question, fault: req.headers[FAULT_HEADER] as string | undefined });
      await new Promise((r) => setTimeout(r, delayMs));
      if (hold) await hold;
      inFlight--;
      // Every answer cites the lamp FAQ: right for lamp questions only.
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ sources: [{ document: 'lumen-lamp-faq.pdf' }] }));
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

beforeEach(() => {
  received = [];
  delayMs = 0;
  maxConcurrent = 0;
  hold = undefined;
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const run = async (workload: Workload, ms: number): Promise<void> => {
  workload.start();
  await new Promise((r) => setTimeout(r, ms));
  await workload.stop();
};

/**
 * Runs until `count` queries have arrived (or `maxMs` passed): for tests that need a sample of
 * a given size whatever the machine's speed, not a given duration.
 */
const runUntil = async (workload: Workload, count: number, maxMs = 30_000): Promise<void> => {
  workload.start();
  const deadline = Date.now() + maxMs;
  while (received.length < count && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  await workload.stop();
};

describe('Workload', () => {
  it('sends about rate x time queries and waits for those in flight when stopped', async () => {
    delayMs = 100;
    const workload = new Workload({ baseUrl, ratePerSecond: 50 });
    await run(workload, 1000);
    const { stats } = workload;
    // Poisson arrivals, mean 50: far outside this range means the rate is wrong.
    expect(stats.sent).toBeGreaterThanOrEqual(25);
    expect(stats.sent).toBeLessThanOrEqual(80);
    expect(received).toHaveLength(stats.sent);
    expect(stats.byStatus).toEqual({ '200': stats.sent }); // nothing left unanswered
  });

  it('mixes in injected LLM timeouts and off-topic questions at the configured shares', async () => {
    const workload = new Workload({ baseUrl, ratePerSecond: 200, llmTimeoutShare: 0.5, offTopicShare: 0.3 });
    await runUntil(workload, 200);
    const n = received.length;
    expect(n).toBeGreaterThanOrEqual(200);
    const offTopic = new Set(OFF_TOPIC_QUESTIONS.map((q) => q.question));
    const off = received.filter((r) => offTopic.has(r.question));
    const faults = received.filter((r) => r.fault === 'llm-timeout');
    expect(off.length / n).toBeGreaterThan(0.15);
    expect(off.length / n).toBeLessThan(0.45);
    // Faults go to on-topic questions only: 0.5 of the 0.7 on-topic share.
    expect(faults.every((r) => !offTopic.has(r.question))).toBe(true);
    expect(faults.length / n).toBeGreaterThan(0.2);
    expect(faults.length / n).toBeLessThan(0.5);
    const known = new Set(QUESTIONS.map((q) => q.question));
    expect(received.every((r) => known.has(r.question) || offTopic.has(r.question))).toBe(true);
  });

  it('counts answers whose top source is the expected document', async () => {
    const workload = new Workload({ baseUrl, ratePerSecond: 100, offTopicShare: 0, llmTimeoutShare: 0 });
    await run(workload, 500);
    const lamp = received.filter((r) => QUESTIONS.find((q) => q.question === r.question)!.document === 'lumen-lamp-faq.pdf');
    expect(workload.stats.answeredOnTopic).toBe(received.length);
    expect(workload.stats.correctTopSource).toBe(lamp.length);
  });

  it('picks the same questions for the same seed', async () => {
    const picks = async (seed: number) => {
      received = [];
      const workload = new Workload({ baseUrl, ratePerSecond: 100, seed });
      await run(workload, 300);
      return received.map((r) => `${r.question}|${r.fault ?? ''}`);
    };
    // Timers decide how many arrivals fit in 300 ms, not which: the shorter run's picks are
    // the longer run's first picks, so they must be contained in it as a multiset.
    const contained = (small: string[], large: string[]): boolean => {
      const left = [...large];
      return small.every((x) => {
        const i = left.indexOf(x);
        if (i === -1) return false;
        left.splice(i, 1);
        return true;
      });
    };
    const [a, b, c] = [await picks(7), await picks(7), await picks(8)];
    expect(Math.min(a.length, b.length, c.length)).toBeGreaterThan(5);
    const [short, long] = a.length <= b.length ? [a, b] : [b, a];
    expect(contained(short, long)).toBe(true);
    expect(contained(c.length <= a.length ? c : a, c.length <= a.length ? a : c)).toBe(false);
  });

  it('skips arrivals beyond maxInFlight instead of piling up on a stalled server', async () => {
    let release!: () => void;
    hold = new Promise((resolve) => (release = resolve));
    const workload = new Workload({ baseUrl, ratePerSecond: 200, maxInFlight: 5 });
    workload.start();
    await new Promise((r) => setTimeout(r, 500));
    release();
    await workload.stop();
    expect(maxConcurrent).toBeLessThanOrEqual(5);
    expect(workload.stats.skipped).toBeGreaterThan(20);
    expect(workload.stats.sent).toBe(received.length);
  });

  it('rejects a rate that is not positive', () => {
    expect(() => new Workload({ baseUrl, ratePerSecond: 0 })).toThrow(RangeError);
  });
});
