import * as fabricProtos from 'fabric-protos';

import { isAppError } from '../common';
import { createChaincodeDefinitions, decodeChaincodeDefinitions, describeApplicationPolicy } from './lifecycle';

const { common, lifecycle, protos } = fabricProtos;

const role = (msp: string, r: fabricProtos.common.MSPRole.MSPRoleType): fabricProtos.common.IMSPPrincipal => ({
  principal_classification: common.MSPPrincipal.Classification.ROLE,
  principal: common.MSPRole.encode({ msp_identifier: msp, role: r }).finish(),
});

function signaturePolicy(n: number, msps: string[]): Uint8Array {
  const envelope = {
    version: 0,
    rule: { n_out_of: { n, rules: msps.map((_m, i) => ({ signed_by: i })) } },
    identities: msps.map((m, i) => role(m, i === 0 ? common.MSPRole.MSPRoleType.MEMBER : common.MSPRole.MSPRoleType.PEER)),
  };
  return protos.ApplicationPolicy.encode({ signature_policy: envelope }).finish();
}

function answer(definitions: fabricProtos.lifecycle.QueryChaincodeDefinitionsResult.IChaincodeDefinition[]): Uint8Array {
  return lifecycle.QueryChaincodeDefinitionsResult.encode({ chaincode_definitions: definitions }).finish();
}

describe('_lifecycle chaincode definitions', () => {
  it('decodes QueryChaincodeDefinitions answers, sorted by name, with the endorsement policy as text', () => {
    const bytes = answer([
      {
        name: 'sample',
        sequence: 3,
        version: '1.0.2',
        endorsement_plugin: 'escc',
        validation_plugin: 'vscc',
        validation_parameter: protos.ApplicationPolicy.encode({ channel_config_policy_reference: '/Channel/Application/Endorsement' }).finish(),
        init_required: false,
      },
      { name: 'assets', sequence: 1, version: '0.1', validation_parameter: signaturePolicy(2, ['Org1MSP', 'Org2MSP']), init_required: true },
    ]);
    expect(decodeChaincodeDefinitions('mychannel', bytes)).toEqual([
      {
        channel: 'mychannel',
        name: 'assets',
        version: '0.1',
        sequence: 1,
        endorsementPlugin: null,
        validationPlugin: null,
        endorsementPolicy: "AND('Org1MSP.member', 'Org2MSP.peer')",
        initRequired: true,
      },
      {
        channel: 'mychannel',
        name: 'sample',
        version: '1.0.2',
        sequence: 3,
        endorsementPlugin: 'escc',
        validationPlugin: 'vscc',
        endorsementPolicy: '/Channel/Application/Endorsement',
        initRequired: false,
      },
    ]);
    expect(decodeChaincodeDefinitions('mychannel', answer([]))).toEqual([]);
  });

  it('renders OR and OutOf policies, and none', () => {
    expect(describeApplicationPolicy(signaturePolicy(1, ['Org1MSP', 'Org2MSP']))).toBe("OR('Org1MSP.member', 'Org2MSP.peer')");
    expect(describeApplicationPolicy(signaturePolicy(2, ['A', 'B', 'C']))).toBe("OutOf(2, 'A.member', 'B.peer', 'C.peer')");
    expect(describeApplicationPolicy(new Uint8Array())).toBeNull();
  });

  it('reuses an answer for cacheMs, shares one query between concurrent callers, and does not keep failures', async () => {
    let t = 0;
    let queries = 0;
    let fail = false;
    const definitions = createChaincodeDefinitions({
      query: () => {
        queries++;
        return fail ? Promise.reject(new Error('14 UNAVAILABLE: connect ECONNREFUSED')) : Promise.resolve(answer([{ name: 'sample', sequence: 1, version: '1' }]));
      },
      cacheMs: 1000,
      now: () => t,
    });
    await Promise.all([definitions.committed('mychannel'), definitions.committed('mychannel')]);
    t = 999;
    await definitions.committed('mychannel');
    expect(queries).toBe(1);

    t = 1000;
    fail = true;
    const error = await definitions.committed('mychannel').catch((e: unknown) => e);
    expect(isAppError(error) && error.code).toBe('LEDGER_UNAVAILABLE');
    fail = false;
    expect(await definitions.committed('mychannel')).toHaveLength(1);
    expect(queries).toBe(3);
  });
});
