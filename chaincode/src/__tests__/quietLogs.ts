// fabric-contract-api and fabric-shim log every decorator at "info" level when a contract class
// loads, and every refused transaction at "error" level. Import this first in a test file to keep
// test output readable; set CORE_CHAINCODE_LOGGING_LEVEL yourself to see the logs again.
process.env.CORE_CHAINCODE_LOGGING_LEVEL ??= 'CRITICAL';
