import type { CliIo } from './cli-io.js';

/** One `ragmeter <name>` sub-command. */
export interface Command {
  name: string;
  /** The argument synopsis shown in the top-level usage, e.g. `<file.json>`. */
  synopsis: string;
  /** One line for the top-level usage. */
  summary: string;
  /** Full text for `ragmeter <name> --help`. */
  help: string;
  /** Runs with the arguments after the command name; resolves to the process exit code. */
  run(args: string[], io: CliIo): Promise<number>;
}
