import type { Command } from '../command.js';
import { compareReports, DEFAULT_MIN_OPERATIONS } from '../compare/compare-reports.js';
import { comparisonToJson, formatComparison } from '../compare/format-comparison.js';
import { DEFAULT_MAX_REGRESSION, parseRegressionLimit } from '../compare/regression-limit.js';
import { EXIT_FAILED, EXIT_OK, parseCommandArgs, UsageError } from '../errors.js';
import { fetchFleetReport } from '../fleet/fleet-report.js';
import { FLEET_OPTIONS, FLEET_OPTIONS_HELP, fleetSource, requireFleetFlagsWithPrometheus } from '../fleet/fleet-options.js';
import { readReportFile } from '../report-file.js';

export const compareCommand: Command = {
  name: 'compare',
  synopsis: '<baseline.json> <current.json> | --prometheus <url>',
  summary: 'compare two reports (or the fleet) to a baseline; exit 1 on a regression',
  help: `Usage: ragmeter compare <baseline.json> <current.json> [--max-regression 10%] [--min-operations 20] [--json]
       ragmeter compare <baseline.json> --prometheus <url> [--window 5m] [--selector ...] [...]

Compares two saved reports per operation type: the operation count, p50, p95 and p99
duration, the error rate and the average cost per priced operation, each as baseline,
current, change and change in percent.

It fails (exit 1) when, for an operation type present in both reports:
  - p95 or p99 grows by more than the limit, relative to the baseline
    (10% allows 2.00s -> 2.20s; 2.21s fails); or
  - the error rate rises by more than the limit in percentage points
    (10% allows 2% -> 12%; 12.1% fails); or
  - the average cost per priced operation grows by more than the limit, relative to the
    baseline (when both reports price the type and the baseline's cost is above 0; reports of
    schema_version 1 have no cost).
With --prometheus, the current report is the whole fleet read from Prometheus (as
\`ragmeter report --prometheus\`), e.g. a staging fleet gated against a saved baseline.
p50 is shown for context and never fails. Types found in only one report are listed, not
judged; so is a type with fewer than --min-operations operations on either side (a p99 of
two samples is noise). A change of exactly the limit passes.

Options:
  --max-regression <N%>  the limit, written as a percentage WITH the % sign: 10%, 2.5%, 0%.
                         Bare numbers such as 10 or 0.1 are rejected. Default ${DEFAULT_MAX_REGRESSION}.
  --min-operations <N>   operations a type needs in each report to be judged. Default ${DEFAULT_MIN_OPERATIONS}.
  --json                 print the comparison as JSON (durations in seconds, error rates 0..1,
                         change_points in percentage points, costs in USD) instead of a table.
${FLEET_OPTIONS_HELP}

Exit codes: 0 no regression over the limit; 1 at least one; 2 bad arguments, or a file is
unreadable, not JSON, not a report, or has an unsupported schema_version, or Prometheus is
unreachable, refuses the request, rejects a query or holds no ragmeter series.
`,
  async run(args, io) {
    const { values, positionals } = parseCommandArgs({
      args,
      options: {
        'max-regression': { type: 'string', default: DEFAULT_MAX_REGRESSION },
        'min-operations': { type: 'string', default: String(DEFAULT_MIN_OPERATIONS) },
        json: { type: 'boolean', default: false },
        ...FLEET_OPTIONS,
      },
      allowPositionals: true,
    });
    const fleet = values.prometheus !== undefined;
    if (!fleet) requireFleetFlagsWithPrometheus(values);
    if (positionals.length !== (fleet ? 1 : 2)) {
      throw new UsageError(
        fleet
          ? `with --prometheus expects one baseline report file, got ${positionals.length} arguments`
          : `expects a baseline and a current report file, got ${positionals.length} arguments`,
      );
    }
    const limit = parseRegressionLimit(values['max-regression']);
    const minOperations = Number(values['min-operations']);
    if (!/^\d+$/.test(values['min-operations']) || !Number.isSafeInteger(minOperations)) {
      throw new UsageError(`--min-operations must be a whole number such as 20 (got '${values['min-operations']}')`);
    }
    const baseline = await readReportFile(positionals[0]!, 'baseline');
    let current;
    if (values.prometheus !== undefined) {
      const source = fleetSource({ ...values, prometheus: values.prometheus });
      current = (await fetchFleetReport(source.client, source.scope, source.windowSeconds)).report;
    } else {
      current = await readReportFile(positionals[1]!, 'current');
    }

    const comparison = compareReports(baseline, current, limit, { minOperations });
    io.stdout.write(
      values.json ? JSON.stringify(comparisonToJson(comparison), null, 2) + '\n' : formatComparison(comparison),
    );
    return comparison.regressions.length > 0 ? EXIT_FAILED : EXIT_OK;
  },
};
