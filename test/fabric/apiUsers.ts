import type { GatewayProcess } from './gatewayProcess';
import { uniqueId } from './waiting';

/** A user registered through the API (`registerUser`, so with a CA-backed identity) and signed in. */
export interface ApiUser {
  readonly username: string;
  readonly password: string;
  readonly token: string;
  readonly id: string;
  /** `<MSP ID>/<username>`: the user's token account and asset owner string. */
  readonly account: string;
}

export const API_USER_PASSWORD = 'correct horse battery staple';

/** A user name no other test file on the shared network's CAs has taken. */
export const uniqueUsername = (prefix: string): string =>
  uniqueId(prefix)
    .toLowerCase()
    .replace(/[^a-z0-9.-]/g, '');

export async function registerApiUser(gateway: GatewayProcess, adminToken: string, prefix: string): Promise<ApiUser> {
  const username = uniqueUsername(prefix);
  const reply = await gateway.graphql<{ registerUser: { id: string; account: string } }>(
    'mutation($u: String!, $p: String!) { registerUser(input: { username: $u, password: $p }) { id account } }',
    { u: username, p: API_USER_PASSWORD },
    adminToken,
  );
  if (!reply.data) throw new Error(`registerUser ${username}: ${JSON.stringify(reply.errors)}`);
  const token = await gateway.login(username, API_USER_PASSWORD);
  return { username, password: API_USER_PASSWORD, token, id: reply.data.registerUser.id, account: reply.data.registerUser.account };
}
