// Locates the Prometheus binaries (Debian package `prometheus`: /usr/bin/prometheus and
// /usr/bin/promtool). Without them a test is skipped with a message on a developer's machine
// and fails under CI (CI set), where the tools are part of the contract.
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

export function findExecutable(name: string): string | undefined {
  const dirs = (process.env.PATH ?? '').split(delimiter).filter(Boolean);
  for (const dir of [...dirs, '/usr/bin', '/usr/local/bin']) {
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not in this directory
    }
  }
  return undefined;
}

/**
 * The path of `name`, or undefined when the tests that need it are to be skipped; throws when
 * it is missing under CI. `what` says what is skipped, for the message.
 */
export function requireBinary(name: string, what: string): string | undefined {
  const path = findExecutable(name);
  if (path) return path;
  const message = `${name} not found on PATH or in /usr/bin (install Debian's "prometheus" package: apt-get install -y prometheus)`;
  if (process.env.CI) throw new Error(`${message}; CI is set, so ${what} cannot be skipped`);
  console.warn(`SKIPPED ${what}: ${message}`);
  return undefined;
}
