import { isGoRecentEnough, parseGoVersion, pinKey } from './fabricBinaries';
import { fabricPins } from './pins';

describe('building Fabric from its Go module', () => {
  it('reads the Go version from `go version`', () => {
    expect(parseGoVersion('go version go1.26.8 linux/amd64')).toEqual([1, 26]);
    expect(parseGoVersion('bash: go: command not found')).toBeUndefined();
  });

  it('compares Go versions numerically, not as text', () => {
    expect(isGoRecentEnough([1, 21], '1.21')).toBe(true);
    expect(isGoRecentEnough([1, 100], '1.21')).toBe(true);
    expect(isGoRecentEnough([1, 9], '1.21')).toBe(false);
    expect(isGoRecentEnough([2, 0], '1.21')).toBe(true);
  });

  it('keys the cache by the pins, so a new pin means a new build', () => {
    const pins = fabricPins();
    const moved = { ...pins, fabric: { ...pins.fabric, version: 'v1.4.0-rc1.0.20990101000000-000000000000' } };
    expect(pinKey(pins)).toBe(pinKey(fabricPins()));
    expect(pinKey(moved)).not.toBe(pinKey(pins));
    expect(pins.fabric.commands).toEqual(expect.arrayContaining(['peer', 'orderer', 'configtxgen', 'osnadmin']));
  });
});
