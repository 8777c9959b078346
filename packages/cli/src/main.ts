import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { processIo, type CliIo } from './cli-io.js';
import type { Command } from './command.js';
import { compareCommand } from './commands/compare.js';
import { reportCommand } from './commands/report.js';
import { watchCommand } from './commands/watch.js';
import { EXIT_OK, EXIT_USAGE, InputError, UsageError } from './errors.js';

export const COMMANDS: readonly Command[] = [reportCommand, watchCommand, compareCommand];

function usage(): string {
  const width = Math.max(...COMMANDS.map((c) => `${c.name} ${c.synopsis}`.length));
  const commands = COMMANDS.map((c) => `  ${`${c.name} ${c.synopsis}`.padEnd(width)}  ${c.summary}`);
  return `Usage: ragmeter <command> [options]

Commands:
${commands.join('\n')}

Options:
  -h, --help     show this help; \`ragmeter <command> --help\` for a command
  -v, --version  print the version

Exit codes: 0 ok; 1 compare found a regression, or watch --once could not read the
service; 2 bad arguments, an unusable input file, or (--prometheus) a Prometheus that cannot
be reached or used.
`;
}

function version(): string {
  // src/ and dist/ both sit next to package.json.
  const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

function isHelpFlag(arg: string): boolean {
  return arg === '-h' || arg === '--help';
}

/** Runs `ragmeter <argv...>` and resolves to the exit code. Never calls process.exit. */
export async function main(argv: readonly string[], io: CliIo = processIo): Promise<number> {
  const [name, ...args] = argv;
  if (name === undefined) {
    io.stderr.write(usage());
    return EXIT_USAGE;
  }
  if (isHelpFlag(name)) {
    io.stdout.write(usage());
    return EXIT_OK;
  }
  if (name === '-v' || name === '--version') {
    io.stdout.write(`${version()}\n`);
    return EXIT_OK;
  }
  if (name === 'help') {
    const topic = args[0] === undefined ? undefined : COMMANDS.find((c) => c.name === args[0]);
    if (args[0] !== undefined && topic === undefined) {
      io.stderr.write(`ragmeter: unknown command '${args[0]}'\n\n${usage()}`);
      return EXIT_USAGE;
    }
    io.stdout.write(topic?.help ?? usage());
    return EXIT_OK;
  }
  const command = COMMANDS.find((c) => c.name === name);
  if (command === undefined) {
    const what = name.startsWith('-') ? 'option' : 'command';
    io.stderr.write(`ragmeter: unknown ${what} '${name}'\n\n${usage()}`);
    return EXIT_USAGE;
  }
  // Help wins over everything else on the line, up to a `--` terminator.
  const terminator = args.indexOf('--');
  if ((terminator === -1 ? args : args.slice(0, terminator)).some(isHelpFlag)) {
    io.stdout.write(command.help);
    return EXIT_OK;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`ragmeter ${command.name}: ${error.message}\nRun 'ragmeter ${command.name} --help' for usage.\n`);
      return EXIT_USAGE;
    }
    if (error instanceof InputError) {
      io.stderr.write(`ragmeter ${command.name}: ${error.message}\n`);
      return EXIT_USAGE;
    }
    throw error;
  }
}

/** Entry point of bin/ragmeter.js. */
export function runCli(): void {
  // `ragmeter report x.json | head -1` closes stdout early; that is not an error.
  process.stdout.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(process.exitCode ?? EXIT_OK);
    throw error;
  });
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`ragmeter: unexpected error: ${error instanceof Error ? error.stack : String(error)}\n`);
      process.exitCode = EXIT_USAGE;
    },
  );
}
