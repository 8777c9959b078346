import { readFileSync, readdirSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import * as sdk from '../src/index.js';

// The shape the package keeps: small files, arrows one way, a small public surface.
const SRC = join(__dirname, '..', 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : [],
  );
}

/** Relative imports of a source file (type-only ones too), as absolute paths. */
function importsOf(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  return [...text.matchAll(/(?:import|export)[^'"]*?from\s+'(\.{1,2}\/[^']+)'/g)].map((m) =>
    resolve(dirname(file), m[1]!.replace(/\.js$/, '.ts')),
  );
}

describe('packages/sdk/src layout', () => {
  const files = sourceFiles(SRC);

  it('no source file is over 400 lines', () => {
    const long = files
      .map((f) => [relative(SRC, f), readFileSync(f, 'utf8').split('\n').length] as const)
      .filter(([, lines]) => lines > 400);
    expect(long).toEqual([]);
  });

  it('has no import cycle', () => {
    const graph = new Map(files.map((f) => [f, importsOf(f)]));
    const cycles: string[] = [];
    const state = new Map<string, 'open' | 'done'>();
    const visit = (file: string, path: string[]): void => {
      if (state.get(file) === 'done') return;
      if (state.get(file) === 'open') {
        cycles.push([...path.slice(path.indexOf(file)), file].map((f) => relative(SRC, f)).join(' -> '));
        return;
      }
      state.set(file, 'open');
      for (const next of graph.get(file) ?? []) visit(next, [...path, file]);
      state.set(file, 'done');
    };
    for (const f of files) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('every relative import names an existing source file (so the cycle check sees them all)', () => {
    const missing = files.flatMap((f) => importsOf(f).filter((target) => !files.includes(target)).map((t) => `${relative(SRC, f)} -> ${t}`));
    expect(missing).toEqual([]);
  });

  it('the HTTP server is handed what it serves: it imports no monitor code', () => {
    const server = join(SRC, 'export', 'server.ts');
    expect(importsOf(server).map((f) => relative(SRC, f))).toEqual(['report/types.ts']);
  });

  it('the public entry exports at most 30 runtime names', () => {
    const names = Object.keys(sdk).filter((n) => n !== '__esModule');
    expect(names.length).toBeGreaterThan(5);
    expect(names.length).toBeLessThanOrEqual(30);
  });
});
