// Runs the real Prometheus binary on loopback for a test, and asks it questions over its HTTP API.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export interface Sample {
  metric: Record<string, string>;
  value: number;
}

export interface PrometheusServer {
  url: string;
  /** Instant query at the current time. */
  query(expr: string): Promise<Sample[]>;
  /** GET an API path (e.g. `/api/v1/alerts`) and return its `data`. */
  api<T>(path: string): Promise<T>;
  /** Output Prometheus wrote so far, for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

export interface StartOptions {
  binary: string;
  /** Folder for the config and the TSDB. */
  dir: string;
  /** prometheus.yml text. */
  config: string;
  timeoutMs?: number;
  /** More command-line flags, e.g. `--enable-feature=native-histograms`. */
  args?: string[];
}

export async function startPrometheus(options: StartOptions): Promise<PrometheusServer> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const configPath = join(options.dir, 'prometheus.yml');
  writeFileSync(configPath, options.config);
  mkdirSync(join(options.dir, 'data'), { recursive: true });

  let output = '';
  const child: ChildProcess = spawn(
    options.binary,
    [
      `--config.file=${configPath}`,
      `--storage.tsdb.path=${join(options.dir, 'data')}`,
      `--web.listen-address=127.0.0.1:${port}`,
      '--log.level=warn',
      ...(options.args ?? []),
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  child.stdout?.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));

  const server: PrometheusServer = {
    url,
    log: () => output,
    async api<T>(path: string): Promise<T> {
      const response = await fetch(`${url}${path}`);
      const body = (await response.json()) as { status: string; data: T; error?: string };
      if (body.status !== 'success') throw new Error(`${path}: ${body.error ?? response.status}`);
      return body.data;
    },
    async query(expr: string): Promise<Sample[]> {
      const data = await server.api<{ resultType: string; result: Array<{ metric: Record<string, string>; value: [number, string] }> }>(
        `/api/v1/query?query=${encodeURIComponent(expr)}`,
      );
      if (data.resultType !== 'vector') throw new Error(`expected a vector from ${expr}, got ${data.resultType}`);
      return data.result.map((r) => ({ metric: r.metric, value: Number(r.value[1]) }));
    },
    async stop(): Promise<void> {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
      await exited;
    },
  };

  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  for (;;) {
    if (child.exitCode !== null) throw new Error(`prometheus exited with ${child.exitCode}:\n${output}`);
    try {
      if ((await fetch(`${url}/-/ready`)).ok) return server;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await server.stop();
      throw new Error(`prometheus not ready after ${options.timeoutMs ?? 15_000} ms:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
}
