import * as fabricProtos from 'fabric-protos';

import { AppError, ErrorCode } from '../common';
import type { FabricConnection } from './fabricConnection';

/**
 * The chaincode definitions committed on a channel, as `_lifecycle` QueryChaincodeDefinitions
 * answers them (evaluated on a peer as the service identity). The query is the IO seam; decoding
 * the protobuf answer and rendering the endorsement policy are pure, and answers are kept for a
 * short time so that an admin page refreshing every few seconds does not query a peer each time.
 */
export interface ChaincodeDefinition {
  readonly channel: string;
  readonly name: string;
  readonly version: string;
  readonly sequence: number;
  readonly endorsementPlugin: string | null;
  readonly validationPlugin: string | null;
  /** The policy in Fabric's policy language (`AND('Org1MSP.member','Org2MSP.member')`) or a channel policy reference. */
  readonly endorsementPolicy: string | null;
  readonly initRequired: boolean;
}

/** The raw answer of QueryChaincodeDefinitions on one channel (a serialized QueryChaincodeDefinitionsResult). */
export type LifecycleQuery = (channel: string) => Promise<Uint8Array>;

export interface ChaincodeDefinitions {
  /** The committed definitions of the channel, by name; LEDGER_UNAVAILABLE when no peer answered. */
  committed(channel: string): Promise<ChaincodeDefinition[]>;
  close(): void;
}

const { common, lifecycle, protos } = fabricProtos;

type Principal = fabricProtos.common.IMSPPrincipal;
type Rule = fabricProtos.common.ISignaturePolicy;

function principalText(principal: Principal | undefined): string {
  if (!principal) return "'?'";
  const bytes = principal.principal ?? new Uint8Array();
  switch (principal.principal_classification ?? common.MSPPrincipal.Classification.ROLE) {
    case common.MSPPrincipal.Classification.ROLE: {
      const role = common.MSPRole.decode(bytes);
      const name = common.MSPRole.MSPRoleType[role.role].toLowerCase();
      return `'${role.msp_identifier}.${name}'`;
    }
    case common.MSPPrincipal.Classification.ORGANIZATION_UNIT: {
      const unit = common.OrganizationUnit.decode(bytes);
      return `'${unit.msp_identifier}.OU:${unit.organizational_unit_identifier}'`;
    }
    default:
      return "'<identity>'";
  }
}

function ruleText(rule: Rule | null | undefined, identities: readonly Principal[]): string {
  if (!rule) return '?';
  if (rule.n_out_of) {
    const rules = (rule.n_out_of.rules ?? []).map((r) => ruleText(r, identities));
    const n = rule.n_out_of.n ?? 0;
    if (n === rules.length) return `AND(${rules.join(', ')})`;
    if (n === 1) return `OR(${rules.join(', ')})`;
    return `OutOf(${n}, ${rules.join(', ')})`;
  }
  return principalText(identities[rule.signed_by ?? 0]);
}

/** An ApplicationPolicy (a definition's validation parameter) as text; null when there is none. */
export function describeApplicationPolicy(bytes: Uint8Array | null | undefined): string | null {
  if (!bytes || bytes.length === 0) return null;
  const policy = protos.ApplicationPolicy.decode(bytes);
  if (policy.channel_config_policy_reference) return policy.channel_config_policy_reference;
  const envelope = policy.signature_policy;
  if (!envelope) return null;
  return ruleText(envelope.rule, envelope.identities ?? []);
}

/** QueryChaincodeDefinitionsResult bytes as definitions, sorted by name. */
export function decodeChaincodeDefinitions(channel: string, bytes: Uint8Array): ChaincodeDefinition[] {
  const result = lifecycle.QueryChaincodeDefinitionsResult.decode(bytes);
  return result.chaincode_definitions
    .map((d) => ({
      channel,
      name: d.name ?? '',
      version: d.version ?? '',
      // int64 arrives as a Long (or a number when small enough): its decimal text is exact.
      sequence: Number(String(d.sequence ?? 0)),
      endorsementPlugin: d.endorsement_plugin || null,
      validationPlugin: d.validation_plugin || null,
      endorsementPolicy: describeApplicationPolicy(d.validation_parameter),
      initRequired: d.init_required === true,
    }))
    .sort((a, b) => a.name.localeCompare(b.name));
}

export interface ChaincodeDefinitionsDeps {
  readonly query: LifecycleQuery;
  /** How long an answer is reused. */
  readonly cacheMs: number;
  readonly close?: () => void;
  readonly now?: () => number;
}

/** Definitions per channel through `query`, each answer kept `cacheMs`; concurrent callers share one query. */
export function createChaincodeDefinitions(deps: ChaincodeDefinitionsDeps): ChaincodeDefinitions {
  const now = deps.now ?? Date.now;
  const cached = new Map<string, { at: number; definitions: Promise<ChaincodeDefinition[]> }>();
  return {
    committed(channel) {
      const hit = cached.get(channel);
      if (hit && now() - hit.at < deps.cacheMs) return hit.definitions;
      const definitions = deps
        .query(channel)
        .then((bytes) => decodeChaincodeDefinitions(channel, bytes))
        .catch((error: unknown) => {
          cached.delete(channel);
          if (error instanceof AppError) throw error;
          const reason = error instanceof Error ? error.message : String(error);
          throw new AppError(ErrorCode.LEDGER_UNAVAILABLE, `no peer answered _lifecycle QueryChaincodeDefinitions on ${channel}`, { channel, reason }, { cause: error });
        });
      cached.set(channel, { at: now(), definitions });
      return definitions;
    },
    close() {
      cached.clear();
      deps.close?.();
    },
  };
}

/**
 * QueryChaincodeDefinitions evaluated through fabric-network as the connection's identity (any
 * peer of its organisation answers; `_lifecycle` takes exactly one argument, the serialized
 * QueryChaincodeDefinitionsArgs, which is empty).
 */
export function createFabricLifecycleQuery(options: { connection: FabricConnection; timeoutMs: number }): { query: LifecycleQuery; close(): void } {
  let gateway: ReturnType<FabricConnection['connect']> | undefined;
  const connected = (): ReturnType<FabricConnection['connect']> => {
    gateway ??= options.connection.connect().catch((error: unknown) => {
      gateway = undefined;
      throw error;
    });
    return gateway;
  };
  return {
    async query(channel) {
      const network = await (await connected()).getNetwork(channel);
      const args = Buffer.from(lifecycle.QueryChaincodeDefinitionsArgs.encode({}).finish()).toString('latin1');
      let timer: NodeJS.Timeout | undefined;
      const deadline = new Promise<never>((_resolve, reject) => {
        timer = setTimeout(() => {
          reject(new AppError(ErrorCode.TIMEOUT, `_lifecycle QueryChaincodeDefinitions on ${channel} took longer than ${options.timeoutMs} ms`, { channel }));
        }, options.timeoutMs);
      });
      try {
        return await Promise.race([network.getContract('_lifecycle').evaluateTransaction('QueryChaincodeDefinitions', args), deadline]);
      } finally {
        clearTimeout(timer);
      }
    },
    close() {
      void gateway
        ?.then((g) => {
          g.disconnect();
        })
        .catch(() => undefined);
      gateway = undefined;
    },
  };
}
