import { createChaincodeDeployer, nextVersion } from './chaincodeDeployer';
import { LocalnetErrorCode } from './errors';
import { createLocalNetwork } from './network';
import { createTopology } from './topology';

describe('the version an upgrade moves to', () => {
  it.each([
    ['1.0.0', '1.0.1'],
    ['1.0.9', '1.0.10'],
    ['2', '3'],
    ['v1.2-rc', 'v1.3-rc'],
    ['beta', 'beta.1'],
  ])('after %s comes %s', (current, next) => {
    expect(nextVersion(current)).toBe(next);
  });
});

describe('deploy options', () => {
  const network = createLocalNetwork({ topology: createTopology({ stateDir: '/tmp/no-such-network', portBase: 31000 }) });
  const deployer = createChaincodeDeployer({ network });

  it.each([
    [{ channel: 'other', name: 'sample' }, /unknown channel "other"; this network has: mychannel/],
    [{ channel: 'mychannel', name: 'bad name!' }, /bad chaincode name "bad name!"/],
    [{ channel: 'mychannel', name: 'sample', version: 'v 2' }, /bad version "v 2"/],
  ])('refuses %j before touching the network', async (options, message) => {
    await expect(deployer.deploy(options)).rejects.toMatchObject({ code: LocalnetErrorCode.BAD_OPTION });
    await expect(deployer.deploy(options)).rejects.toThrow(message);
  });

  it('says the network must be up first when it is not', async () => {
    await expect(deployer.upgrade({ channel: 'mychannel', name: 'sample' })).rejects.toMatchObject({
      code: LocalnetErrorCode.NETWORK_NOT_UP,
      hint: 'Run `npm run network -- up` first.',
    });
  });
});
