import { LocalnetError, LocalnetErrorCode } from './errors';
import { localnetFromEnv } from './fromEnv';

describe('network settings from the environment', () => {
  it('defaults to port base 27000 and the channel mychannel', () => {
    const network = localnetFromEnv({ FABRIC_STATE_DIR: '/tmp/x' });
    expect(network.topology.portBase).toBe(27000);
    expect(network.topology.channels).toEqual(['mychannel']);
    expect(network.topology.stateDir).toBe('/tmp/x');
  });

  it('takes a second channel by option', () => {
    expect(localnetFromEnv({ FABRIC_CHANNELS: 'mychannel, second' }).topology.channels).toEqual(['mychannel', 'second']);
  });

  it.each([
    [{ FABRIC_PORT_BASE: 'abc' }, /FABRIC_PORT_BASE/],
    [{ FABRIC_PORT_BASE: '80' }, /FABRIC_PORT_BASE/],
    [{ FABRIC_CHANNELS: 'My Channel' }, /FABRIC_CHANNELS.*My Channel/],
    [{ FABRIC_CHANNELS: ',' }, /FABRIC_CHANNELS/],
  ])('refuses %j with a clear BAD_OPTION error', (env, message) => {
    const attempt = (): unknown => localnetFromEnv(env);
    expect(attempt).toThrow(LocalnetError);
    expect(attempt).toThrow(message);
    try {
      attempt();
    } catch (error) {
      expect((error as LocalnetError).code).toBe(LocalnetErrorCode.BAD_OPTION);
    }
  });
});
