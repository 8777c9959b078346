import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { EXIT_FAILED, EXIT_OK, parseCommandArgs, UsageError } from '../errors.js';
import { formatFrame, type PreviousSample } from '../watch/format-frame.js';
import { fetchServiceStatus, serviceEndpoints, type ServiceEndpoints } from '../watch/service-status.js';

/** How long one GET may take before the service counts as unreachable for this frame. */
const REQUEST_TIMEOUT_MS = 5000;
/** Moves the cursor home and clears the screen, so each frame replaces the last. */
const CLEAR_SCREEN = '\x1b[H\x1b[2J';

function parseInterval(text: string): number {
  const seconds = Number(text);
  if (text.trim() === '' || !Number.isFinite(seconds) || seconds < 0.1) {
    throw new UsageError(`--interval must be a number of seconds, at least 0.1 (got '${text}')`);
  }
  return seconds;
}

async function watchOnce(endpoints: ServiceEndpoints, io: CliIo): Promise<number> {
  const status = await fetchServiceStatus(endpoints, { timeoutMs: REQUEST_TIMEOUT_MS });
  if (!status.reachable) {
    io.stderr.write(`ragmeter watch: service unreachable: ${status.problem}\n`);
    return EXIT_FAILED;
  }
  io.stdout.write(formatFrame({ url: endpoints.base, status, nowMs: Date.now() }));
  return EXIT_OK;
}

async function watchLoop(endpoints: ServiceEndpoints, intervalSeconds: number, io: CliIo): Promise<number> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const tty = io.stdout.isTTY === true;
  let previous: PreviousSample | undefined;
  try {
    while (!stop.signal.aborted) {
      const status = await fetchServiceStatus(endpoints, { timeoutMs: REQUEST_TIMEOUT_MS, signal: stop.signal });
      if (stop.signal.aborted) break;
      const nowMs = Date.now();
      const frame = formatFrame({ url: endpoints.base, status, nowMs, previous, intervalSeconds });
      io.stdout.write(tty ? CLEAR_SCREEN + frame : frame + '\n');
      if (status.reachable) previous = { report: status.report, atMs: nowMs };
      await sleep(intervalSeconds * 1000, undefined, { signal: stop.signal }).catch(() => undefined);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return EXIT_OK;
}

export const watchCommand: Command = {
  name: 'watch',
  synopsis: '<url>',
  summary: "live view of a running service's /report and /health",
  help: `Usage: ragmeter watch <url> [--interval 2] [--once]

Polls GET <url>/report and GET <url>/health of a service running ragmeter (the SDK's HTTP
endpoint, e.g. http://127.0.0.1:9464) and shows health, its issues and one row per operation
type (count, rate, failures, p50/p95/p99/max duration, tokens per operation).
A URL without a scheme means http://; a path prefix is kept.

On a terminal the screen is redrawn in place; otherwise frames are appended. When the
service cannot be reached the view says so and keeps retrying. Ctrl-C quits (exit 0).
Each request times out after ${REQUEST_TIMEOUT_MS / 1000}s.

Options:
  --interval <seconds>  time between refreshes, at least 0.1 (default 2)
  --once                print one frame and exit: 0 when the service answered with a report,
                        1 when it could not be reached or did not answer with a report

Exit codes: 0 stopped with Ctrl-C, or --once succeeded; 1 --once failed; 2 bad arguments.
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({
      args,
      options: {
        interval: { type: 'string', default: '2' },
        once: { type: 'boolean', default: false },
      },
      allowPositionals: true,
    });
    if (positionals.length !== 1) {
      throw new UsageError(`expects one service URL, got ${positionals.length} arguments`);
    }
    const intervalSeconds = parseInterval(values.interval);
    const endpoints = serviceEndpoints(positionals[0]!);
    return values.once ? watchOnce(endpoints, io) : watchLoop(endpoints, intervalSeconds, io);
  },
};
