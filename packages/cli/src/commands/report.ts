import { formatReport } from '@ragmeter/sdk/format';
import type { Command } from '../command.js';
import { EXIT_OK, parseCommandArgs, UsageError } from '../errors.js';
import { readReportFile } from '../report-file.js';

export const reportCommand: Command = {
  name: 'report',
  synopsis: '<file.json>',
  summary: 'print a saved report as a table',
  help: `Usage: ragmeter report <file.json>

Prints a saved ragmeter report (the JSON written by monitor.exportMetricsJson(path) or
served at GET /report) as an aligned table: one row per operation type with counts,
error rate, p50/p95/p99/avg/max duration, tokens and memory delta, then health.

The file is checked against the report JSON Schema (schema_version 2, or 1 for older reports).

Exit codes: 0 printed; 2 bad arguments, or the file is unreadable, not JSON or not a report.
`,
  async run(args, io) {
    const { positionals } = parseCommandArgs({ args, options: {}, allowPositionals: true });
    if (positionals.length !== 1) {
      throw new UsageError(`expects one report file, got ${positionals.length} arguments`);
    }
    const report = await readReportFile(positionals[0]!);
    io.stdout.write(formatReport(report));
    return EXIT_OK;
  },
};
