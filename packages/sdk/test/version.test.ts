import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { VERSION } from '../src/version.js';
import * as sdk from '../src/index.js';

describe('VERSION', () => {
  it('equals the version in packages/sdk/package.json', () => {
    const pkg = JSON.parse(readFileSync(join(__dirname, '..', 'package.json'), 'utf8')) as { name: string; version: string };
    expect(pkg.name).toBe('@ragmeter/sdk');
    expect(VERSION).toBe(pkg.version);
    expect(sdk.VERSION).toBe(pkg.version);
  });

  it('is a semantic version', () => {
    expect(VERSION).toMatch(/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/);
  });
});
