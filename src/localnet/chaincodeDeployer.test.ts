import { nextVersion } from './chaincodeDeployer';

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
