// Command-line flags of the demo (node:util parseArgs).
import { parseArgs } from 'node:util';

export const USAGE = `Usage: npm run demo -- [options]     (or: node packages/demo/dist/main.js [options])

A small RAG service over the PDFs in packages/demo/corpus, instrumented with @ragmeter/sdk.
It indexes the corpus, serves POST /query, drives a workload against itself and shows
per-stage latency percentiles; on Ctrl-C (or after --duration) it prints the final report.

Options:
  --duration <seconds>    stop after this long (default: run until Ctrl-C / SIGTERM)
  --rate <per second>     workload queries per second (default: 5)
  --no-load               serve the API only; no built-in workload
  --port <port>           HTTP API port (default: 3000; 0 = any free port)
  --host <address>        HTTP API address (default: 127.0.0.1)
  --metrics-port <port>   /metrics, /report and /health port on 127.0.0.1
                          (default: RAGMETER_PROMETHEUS_PORT, else 9464; 0 = any free port)
  -h, --help              show this help

Environment:
  OPENAI_BASE_URL         answer with an OpenAI-compatible LLM at this URL (streaming);
                          without it, answers are extractive (quoted from the sources)
  OPENAI_API_KEY          API key, if the server needs one
  OPENAI_MODEL            model name (default: gpt-4o-mini)
  OPENAI_STREAM=false     use non-streaming requests (no time to first token)
  RAGMETER_*, OTEL_*      read by startRagMeter: RAGMETER_PROMETHEUS_HOST/_PORT,
                          OTEL_EXPORTER_OTLP_ENDPOINT (push traces and metrics), ...
`;

export interface CliOptions {
  help: boolean;
  /** Seconds; undefined = until a signal. */
  durationSeconds?: number;
  ratePerSecond: number;
  load: boolean;
  port: number;
  host: string;
  /** undefined: leave it to startRagMeter (RAGMETER_PROMETHEUS_PORT, else 9464). */
  metricsPort?: number;
}

export class UsageError extends Error {
  override readonly name = 'UsageError';
}

function number(flag: string, text: string, check: (n: number) => boolean, expected: string): number {
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value) || !check(value)) {
    throw new UsageError(`--${flag} must be ${expected}, got "${text}"`);
  }
  return value;
}

const isPort = (n: number): boolean => Number.isInteger(n) && n >= 0 && n <= 65535;

export function parseCliOptions(argv: readonly string[]): CliOptions {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        duration: { type: 'string' },
        rate: { type: 'string', default: '5' },
        'no-load': { type: 'boolean', default: false },
        port: { type: 'string', default: '3000' },
        host: { type: 'string', default: '127.0.0.1' },
        'metrics-port': { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
    }));
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  return {
    help: values.help,
    durationSeconds:
      values.duration === undefined
        ? undefined
        : number('duration', values.duration, (n) => n > 0, 'a number of seconds > 0'),
    ratePerSecond: number('rate', values.rate, (n) => n > 0 && n <= 1000, 'a rate between 0 and 1000 per second'),
    load: !values['no-load'],
    port: number('port', values.port, isPort, 'a port number 0-65535'),
    host: values.host,
    metricsPort:
      values['metrics-port'] === undefined
        ? undefined
        : number('metrics-port', values['metrics-port'], isPort, 'a port number 0-65535'),
  };
}
