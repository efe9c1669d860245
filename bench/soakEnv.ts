import path from 'node:path';

/**
 * Imported first by bench/soak.ts: the test harness it reuses (test/fabric/testNetwork.ts,
 * cliProcess.ts) reads its network's state folder and port base from the environment when it is
 * loaded, so the soak's own network (.fabric-soak, ports 23000+) must be named before that.
 * TEST_FABRIC_PORT_BASE / TEST_FABRIC_STATE_DIR choose others; keep the ports below 32768.
 */
process.env.TEST_FABRIC_PORT_BASE ??= '23000';
process.env.TEST_FABRIC_STATE_DIR ??= path.resolve(__dirname, '..', '.fabric-soak');
