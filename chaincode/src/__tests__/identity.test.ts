import { describe, expect, it } from '@jest/globals';

import { isAdmin, ownerOf, subjectCommonName } from '../identity';
import { caIdentity, fakeIdentity } from './fakes';

describe('ownerOf (the caller as <MSP ID>/<enrollment ID>)', () => {
  it('prefers the hf.EnrollmentID attribute Fabric CA writes into certificates', () => {
    const identity = fakeIdentity({ mspId: 'Org1MSP', cn: 'different-cn', attrs: { 'hf.EnrollmentID': 'user1' } });

    expect(ownerOf(identity)).toBe('Org1MSP/user1');
  });

  it('falls back to the subject CN', () => {
    expect(ownerOf(fakeIdentity({ mspId: 'Org2MSP', cn: 'User1@org2.example.com' }))).toBe('Org2MSP/User1@org2.example.com');
  });

  it('refuses identities that give no valid owner string: FORBIDDEN', () => {
    expect(() => ownerOf(fakeIdentity({ mspId: 'Org1MSP', cn: 'John Smith' }))).toThrow(
      'FORBIDDEN: the caller certificate yields no valid <MSP ID>/<enrollment ID> owner',
    );
    expect(() => ownerOf(caIdentity('Org1MSP', 'x'.repeat(65)))).toThrow(/^FORBIDDEN: /);
    expect(() => ownerOf({ ...caIdentity('Org1MSP', 'a'), getAttributeValue: () => null, getID: () => 'x509::/O=no common name::/CN=ca' })).toThrow(
      /^FORBIDDEN: /,
    );
  });
});

describe('isAdmin', () => {
  it('is true only for the certificate attribute role=admin', () => {
    expect(isAdmin(caIdentity('Org1MSP', 'boss', { role: 'admin' }))).toBe(true);
    expect(isAdmin(caIdentity('Org1MSP', 'user', { role: 'user' }))).toBe(false);
    expect(isAdmin(caIdentity('Org1MSP', 'user', { 'hf.Type': 'admin' }))).toBe(false);
    expect(isAdmin(fakeIdentity({ mspId: 'Org1MSP', cn: 'admin' }))).toBe(false);
  });
});

describe('subjectCommonName', () => {
  it.each([
    ['x509::/C=US/ST=North Carolina/O=Hyperledger/OU=client/CN=user1::/C=US/O=Hyperledger/CN=ca.org1.example.com', 'user1'],
    ['x509::CN=User1@org1.example.com,OU=client,L=San Francisco,ST=California,C=US::CN=ca.org1.example.com,O=org1.example.com', 'User1@org1.example.com'],
    ['x509::/C=US/O=Hyperledger::/CN=ca.org1.example.com', undefined], // the issuer's CN is not the caller's
    ['x509::/C=US/CN=::/CN=ca', undefined],
    ['not an x509 id', undefined],
  ])('reads %j', (id, cn) => {
    expect(subjectCommonName(id)).toBe(cn);
  });
});
