/** Two projects: fast unit tests, and integration tests that run against a real Fabric network. */
const tsJest = ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }];

/** @type {import('jest').Config} */
module.exports = {
  // One test file at a time: the integration tests share one Fabric network and stop its nodes.
  maxWorkers: 1,
  projects: [
    {
      displayName: 'unit',
      testEnvironment: 'node',
      // Plus the fabric harness's own pure parts (*.unit.test.ts), which need no network.
      roots: ['<rootDir>/src', '<rootDir>/test/fabric'],
      testMatch: ['<rootDir>/src/**/*.test.ts', '<rootDir>/test/fabric/**/*.unit.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      displayName: 'chaincode',
      testEnvironment: 'node',
      roots: ['<rootDir>/chaincode/src'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/chaincode/src/__tests__/tsconfig.json' }] },
    },
    {
      displayName: 'fabric',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/fabric'],
      testMatch: ['**/*.test.ts'],
      testPathIgnorePatterns: ['\\.unit\\.test\\.ts$'],
      transform: { '^.+\\.ts$': tsJest },
      globalSetup: '<rootDir>/test/fabric/globalSetup.ts',
      globalTeardown: '<rootDir>/test/fabric/globalTeardown.ts',
    },
    {
      displayName: 'db',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/db'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
    {
      // The image, the Helm chart (rendered by the pinned helm: npm run helm:build) and docker-compose.fabric.yml.
      displayName: 'deploy',
      testEnvironment: 'node',
      roots: ['<rootDir>/test/deploy'],
      testMatch: ['**/*.test.ts'],
      transform: { '^.+\\.ts$': tsJest },
    },
  ],
};
