import { setTimeout as sleep } from 'node:timers/promises';
import type { Command } from '../command.js';
import type { CliIo } from '../cli-io.js';
import { EXIT_FAILED, EXIT_OK, parseCommandArgs, UsageError } from '../errors.js';
import { errorMessage } from '../errors.js';
import { fetchFleetReport } from '../fleet/fleet-report.js';
import { FLEET_OPTIONS, FLEET_OPTIONS_HELP, fleetHeader, fleetSource, requireFleetFlagsWithPrometheus, type FleetSource } from '../fleet/fleet-options.js';
import { formatFrame, type PreviousSample } from '../watch/format-frame.js';
import { fetchServiceStatus, serviceEndpoints, type ServiceEndpoints, type ServiceStatus } from '../watch/service-status.js';

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

/** One frame's data: the service's status, and for a fleet the lines above the table. */
type Sampler = (signal?: AbortSignal) => Promise<{ status: ServiceStatus; header: string }>;

function serviceSampler(endpoints: ServiceEndpoints): Sampler {
  return async (signal) => {
    const options = signal === undefined ? { timeoutMs: REQUEST_TIMEOUT_MS } : { timeoutMs: REQUEST_TIMEOUT_MS, signal };
    return { status: await fetchServiceStatus(endpoints, options), header: '' };
  };
}

/** The fleet as one service: its report from Prometheus; a failure shows in the frame (live) or exits 2 (--once). */
function fleetSampler(source: FleetSource, once: boolean): Sampler {
  return async (signal) => {
    try {
      const options = signal === undefined ? {} : { signal };
      const { report, queries } = await fetchFleetReport(source.client, source.scope, source.windowSeconds, options);
      return { status: { reachable: true, report, health: report.health }, header: fleetHeader(source, report.instances, queries) };
    } catch (error) {
      if (once) throw error;
      return { status: { reachable: false, problem: errorMessage(error) }, header: '' };
    }
  };
}

async function watchOnce(url: string, sample: Sampler, io: CliIo): Promise<number> {
  const { status, header } = await sample();
  if (!status.reachable) {
    io.stderr.write(`ragmeter watch: service unreachable: ${status.problem}\n`);
    return EXIT_FAILED;
  }
  io.stdout.write(header + formatFrame({ url, status, nowMs: Date.now() }));
  return EXIT_OK;
}

async function watchLoop(url: string, sample: Sampler, intervalSeconds: number, io: CliIo): Promise<number> {
  const stop = new AbortController();
  const onSignal = (): void => stop.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  const tty = io.stdout.isTTY === true;
  let previous: PreviousSample | undefined;
  try {
    while (!stop.signal.aborted) {
      const { status, header } = await sample(stop.signal);
      if (stop.signal.aborted) break;
      const nowMs = Date.now();
      const frame = header + formatFrame({ url, status, nowMs, previous, intervalSeconds });
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
  synopsis: '<url> | --prometheus <url>',
  summary: "live view of a running service's /report and /health, or of the fleet",
  help: `Usage: ragmeter watch <url> [--interval 2] [--once]
       ragmeter watch --prometheus <url> [--window 5m] [--selector ...] [--interval 2] [--once]

Polls GET <url>/report and GET <url>/health of a service running ragmeter (the SDK's HTTP
endpoint, e.g. http://127.0.0.1:9464) and shows health, its issues and one row per operation
type (count, rate, failures, p50/p95/p99/max duration, tokens per operation).
A URL without a scheme means http://; a path prefix is kept.

On a terminal the screen is redrawn in place; otherwise frames are appended. When the
service cannot be reached the view says so and keeps retrying.

With --prometheus, the whole fleet: every refresh is one \`ragmeter report --prometheus\`
(its instances above the table). Keep --interval at or above the scrape interval: Prometheus
has nothing newer in between. Ctrl-C quits (exit 0).
Each request times out after ${REQUEST_TIMEOUT_MS / 1000}s.

Options:
  --interval <seconds>  time between refreshes, at least 0.1 (default 2)
  --once                print one frame and exit: 0 when the service answered with a report,
                        1 when it could not be reached or did not answer with a report
                        (with --prometheus: 2 and one line saying what failed)
${FLEET_OPTIONS_HELP}

Exit codes: 0 stopped with Ctrl-C, or --once succeeded; 1 --once failed; 2 bad arguments, or
--once --prometheus could not read the fleet.
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({
      args,
      options: {
        interval: { type: 'string', default: '2' },
        once: { type: 'boolean', default: false },
        ...FLEET_OPTIONS,
      },
      allowPositionals: true,
    });
    const intervalSeconds = parseInterval(values.interval);
    if (values.prometheus !== undefined) {
      if (positionals.length !== 0) {
        throw new UsageError(`watches either a service URL or --prometheus, not both (got ${positionals.join(' ')})`);
      }
      const source = fleetSource({ ...values, prometheus: values.prometheus });
      const sample = fleetSampler(source, values.once);
      const url = `fleet ${source.client.target.shown}`;
      return values.once ? watchOnce(url, sample, io) : watchLoop(url, sample, intervalSeconds, io);
    }
    requireFleetFlagsWithPrometheus(values);
    if (positionals.length !== 1) {
      throw new UsageError(`expects one service URL (or --prometheus <url>), got ${positionals.length} arguments`);
    }
    const endpoints = serviceEndpoints(positionals[0]!);
    const sample = serviceSampler(endpoints);
    return values.once ? watchOnce(endpoints.base, sample, io) : watchLoop(endpoints.base, sample, intervalSeconds, io);
  },
};
