import type { Config } from 'jest';

// One jest run covers every package. Type-checking is done once by `npm run typecheck`
// (tsc), so ts-jest only transpiles here, which keeps the suite fast.
const config: Config = {
  testEnvironment: 'node',
  roots: ['<rootDir>/packages', '<rootDir>/test'],
  testMatch: ['**/test/**/*.test.ts'],
  transform: {
    '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.jest.json' }],
  },
  moduleNameMapper: {
    '^(\\.{1,2}/.*)\\.js$': '$1',
    '^@ragmeter/sdk$': '<rootDir>/packages/sdk/src/index.ts',
  },
  globalSetup: '<rootDir>/jest.global-setup.cjs',
  testTimeout: 30_000,
};

export default config;
