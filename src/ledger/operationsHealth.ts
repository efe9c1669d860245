import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';

/**
 * Health of a Fabric orderer or CA from its operations endpoint: `GET /healthz` answers 200 with
 * `{"status":"OK"}`, or 503 with `{"status":"Service Unavailable","failed_checks":[{component,reason}]}`.
 */
export interface OperationsEndpoint {
  readonly kind: 'orderer' | 'ca';
  readonly name: string;
  /** Base URL of the operations server, e.g. http://127.0.0.1:27012. */
  readonly url: string;
}

export interface OperationsHealth {
  readonly healthy: boolean;
  /** OK, the failed checks, or why the endpoint could not be reached. */
  readonly status: string;
}

export type OperationsHealthCheck = (endpoint: OperationsEndpoint) => Promise<OperationsHealth>;

interface HealthBody {
  status?: unknown;
  failed_checks?: { component?: unknown; reason?: unknown }[];
}

/** The /healthz answer as one line. */
export function describeHealthz(statusCode: number, body: string): OperationsHealth {
  let parsed: HealthBody | undefined;
  try {
    parsed = JSON.parse(body) as HealthBody;
  } catch {
    parsed = undefined;
  }
  if (statusCode === 200) return { healthy: true, status: typeof parsed?.status === 'string' ? parsed.status : 'OK' };
  const failed = (parsed?.failed_checks ?? []).map((c) => `${String(c.component)}: ${String(c.reason)}`);
  const text = failed.length > 0 ? failed.join('; ') : body.trim().slice(0, 200) || `HTTP ${statusCode}`;
  return { healthy: false, status: text };
}

/** A check over HTTP(S) with a deadline; `ca` is the PEM of the CA that signed HTTPS endpoints' certificates. */
export function createOperationsHealthCheck(options: { timeoutMs: number; ca?: string }): OperationsHealthCheck {
  return (endpoint) =>
    new Promise((resolve) => {
      let url: URL;
      try {
        // Relative to the endpoint's own path, so that one behind a path prefix works too.
        url = new URL('healthz', endpoint.url.endsWith('/') ? endpoint.url : `${endpoint.url}/`);
      } catch {
        resolve({ healthy: false, status: `not a URL: ${endpoint.url}` });
        return;
      }
      const onResponse = (res: IncomingMessage): void => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          if (body.length < 4096) body += chunk;
        });
        res.on('end', () => {
          resolve(describeHealthz(res.statusCode ?? 0, body));
        });
      };
      const settings = { method: 'GET', timeout: options.timeoutMs };
      const req =
        url.protocol === 'https:'
          ? httpsRequest(url, { ...settings, ...(options.ca ? { ca: options.ca } : {}) }, onResponse)
          : httpRequest(url, settings, onResponse);
      req.on('timeout', () => req.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
      req.on('error', (error) => {
        resolve({ healthy: false, status: error.message });
      });
      req.end();
    });
}
