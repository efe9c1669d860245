/**
 * The fault suite (issue #8; `npm run test:faults`, not part of `npm test`): test/faults/*.test.ts
 * against a fresh test network made by the fabric project's own global setup and teardown. Its own
 * network by default (.fabric-test-faults, ports 31000+); TEST_FABRIC_PORT_BASE and
 * TEST_FABRIC_STATE_DIR choose others. Keep the ports below Linux's ephemeral range
 * (/proc/sys/net/ipv4/ip_local_port_range, 32768+): while a node is down, an outgoing connection
 * of another node may take its port, and it cannot start again (PORT_IN_USE).
 */
process.env.TEST_FABRIC_PORT_BASE ??= '31000';
process.env.TEST_FABRIC_STATE_DIR ??= '.fabric-test-faults';

/** @type {import('jest').Config} */
module.exports = {
  // One file at a time: the scenarios kill nodes of the one shared network.
  maxWorkers: 1,
  displayName: 'faults',
  testEnvironment: 'node',
  roots: ['<rootDir>/test/faults'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { tsconfig: '<rootDir>/tsconfig.json' }] },
  globalSetup: '<rootDir>/test/fabric/globalSetup.ts',
  globalTeardown: '<rootDir>/test/fabric/globalTeardown.ts',
};
