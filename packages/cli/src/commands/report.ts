import { formatReport } from '@ragmeter/sdk/format';
import type { Command } from '../command.js';
import { EXIT_OK, parseCommandArgs, UsageError } from '../errors.js';
import { fetchFleetReport } from '../fleet/fleet-report.js';
import { FLEET_OPTIONS, FLEET_OPTIONS_HELP, fleetHeader, fleetSource, requireFleetFlagsWithPrometheus } from '../fleet/fleet-options.js';
import { readReportFile } from '../report-file.js';

export const reportCommand: Command = {
  name: 'report',
  synopsis: '<file.json> | --prometheus <url>',
  summary: 'print a saved report, or the whole fleet from Prometheus',
  help: `Usage: ragmeter report <file.json> [--json]
       ragmeter report --prometheus <url> [--window 5m] [--selector '{service_name="rag-api"}']
                       [--header 'Authorization: Bearer <token>'] [--json]

Prints a saved ragmeter report (the JSON written by monitor.exportMetricsJson(path) or
served at GET /report) as an aligned table: one row per operation type with counts,
error rate, p50/p95/p99/avg/max duration, tokens and memory delta, then health.

The file is checked against the report JSON Schema (schema_version 2, or 1 for older reports).

With --prometheus, the same report for every instance at once, computed with PromQL from the
series the instances export (docs/metrics.md): counts, failures and tokens summed over
instances, p50/p95/p99 with histogram_quantile over the summed buckets (so within one bucket
of the truth), min/max as the edges of the lowest and highest non-empty buckets, health by
the SDK's default thresholds, and the instances found.

Options:
  --json                 print the report as JSON (the report schema, plus "instances")
${FLEET_OPTIONS_HELP}

Exit codes: 0 printed; 2 bad arguments, an unusable file, or Prometheus unreachable,
refusing the request, rejecting a query or holding no ragmeter series.
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({
      args,
      options: { ...FLEET_OPTIONS, json: { type: 'boolean', default: false } },
      allowPositionals: true,
    });
    if (values.prometheus !== undefined) {
      if (positionals.length !== 0) {
        throw new UsageError(`reads either a report file or --prometheus, not both (got ${positionals.join(' ')})`);
      }
      const source = fleetSource({ ...values, prometheus: values.prometheus });
      const { report, queries } = await fetchFleetReport(source.client, source.scope, source.windowSeconds);
      io.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : fleetHeader(source, report.instances, queries) + formatReport(report));
      return EXIT_OK;
    }
    requireFleetFlagsWithPrometheus(values);
    if (positionals.length !== 1) {
      throw new UsageError(`expects one report file (or --prometheus <url>), got ${positionals.length} arguments`);
    }
    const report = await readReportFile(positionals[0]!);
    io.stdout.write(values.json ? JSON.stringify(report, null, 2) + '\n' : formatReport(report));
    return EXIT_OK;
  },
};
