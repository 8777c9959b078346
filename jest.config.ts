import type { Config } from 'jest';

// Two projects over every package. Type-checking is done once by `npm run typecheck` (tsc), so
// ts-jest only transpiles here, which keeps the suite fast.
//
// - unit: `packages/*/test/**/*.test.ts`. Imports resolve to TypeScript sources (no build),
//   so `npm run test:unit` works on a fresh clone right after `npm ci`.
// - integration: `*.int.test.ts` and the stack tests in test/: what runs built packages as
//   real Node programs (the examples, the CLI, the demo, the benchmarks) or external binaries
//   (Prometheus). The SDK is built once before them.
//
// The Vercel AI SDK (`ai`, `@ai-sdk/*`) ships ES modules only; jest runs CommonJS, so those
// packages (and the zod files they import by path) are transpiled like our own sources.
const ESM_ONLY = '(?:ai|@ai-sdk/[^/]+|@workflow/serde|zod)';

const shared = {
  testEnvironment: 'node',
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }],
    [`/node_modules/${ESM_ONLY}/.+\\.js$`]: ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest-esm.json' }],
  },
  transformIgnorePatterns: [`/node_modules/(?!${ESM_ONLY}/)`],
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^@ragmeter/sdk/format$': '<rootDir>/packages/sdk/src/format.ts',
    '^@ragmeter/sdk/integration$': '<rootDir>/packages/sdk/src/integration.ts',
    '^@ragmeter/([a-z-]+)$': '<rootDir>/packages/$1/src/index.ts',
  },
} satisfies Config;

const config: Config = {
  testTimeout: 30_000,
  // A worker past this much memory after a test file is replaced: long runs stay small (and a
  // test that reads the process's own RSS sees a test file's, not a whole lane's).
  workerIdleMemoryLimit: '768MB',
  projects: [
    {
      ...shared,
      displayName: 'unit',
      roots: ['<rootDir>/packages'],
      testMatch: ['**/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/', '\\.int\\.test\\.ts$'],
    },
    {
      ...shared,
      displayName: 'integration',
      roots: ['<rootDir>/packages', '<rootDir>/test'],
      testMatch: ['**/test/**/*.int.test.ts', '<rootDir>/test/**/*.test.ts'],
      testPathIgnorePatterns: ['/node_modules/'],
      globalSetup: '<rootDir>/jest.global-setup.cjs',
    },
  ],
};

export default config;
