import { request } from 'node:http';
import { setTimeout as sleep } from 'node:timers/promises';

export interface HealthStatus {
  readonly ok: boolean;
  readonly detail: string;
}

/** GET http://host:port/healthz on a Fabric node's operations endpoint. */
export function checkHealth(port: number, host = '127.0.0.1', timeoutMs = 2000): Promise<HealthStatus> {
  return new Promise((resolve) => {
    const req = request({ host, port, path: '/healthz', method: 'GET', timeout: timeoutMs }, (res) => {
      let body = '';
      res.on('data', (chunk: Buffer) => (body += chunk.toString()));
      res.on('end', () => {
        resolve({ ok: res.statusCode === 200, detail: body.trim() || `HTTP ${String(res.statusCode)}` });
      });
    });
    req.on('timeout', () => req.destroy(new Error('timed out')));
    req.on('error', (error) => {
      resolve({ ok: false, detail: error.message });
    });
    req.end();
  });
}

export async function waitForHealthy(
  port: number,
  timeoutMs: number,
  isStillRunning: () => boolean,
): Promise<HealthStatus> {
  const deadline = Date.now() + timeoutMs;
  let last: HealthStatus = { ok: false, detail: 'not checked' };
  while (Date.now() < deadline) {
    last = await checkHealth(port);
    if (last.ok) return last;
    if (!isStillRunning()) return { ok: false, detail: `process exited (${last.detail})` };
    await sleep(250);
  }
  return last;
}
