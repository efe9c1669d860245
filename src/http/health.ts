import type { FastifyInstance } from 'fastify';

/**
 * /healthz: the process answers (liveness). /readyz: every readiness check passes (PostgreSQL
 * reachable by default; a role adds its own, e.g. peers or sync lag) and the process is not
 * draining; the body says which check failed and why.
 */
export interface ReadinessCheck {
  readonly name: string;
  /** Resolves when ready; throws (or rejects) with the reason when not. */
  check(): Promise<void>;
}

export interface Readiness {
  add(check: ReadinessCheck): void;
  /** From now on /readyz answers 503 "draining" (SIGTERM: let load balancers move away first). */
  drain(): void;
}

const CHECK_TIMEOUT_MS = 3000;

async function run(check: ReadinessCheck): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => {
      reject(new Error(`no answer within ${CHECK_TIMEOUT_MS} ms`));
    }, CHECK_TIMEOUT_MS);
  });
  try {
    await Promise.race([check.check(), timeout]);
    return 'ok';
  } catch (error) {
    return `failed: ${error instanceof Error ? error.message : String(error)}`;
  } finally {
    clearTimeout(timer);
  }
}

export function registerHealth(app: FastifyInstance, role: string, checks: readonly ReadinessCheck[]): Readiness {
  const all = [...checks];
  let draining = false;
  app.get('/healthz', () => ({ status: 'ok', role }));
  app.get('/readyz', async (_request, reply) => {
    if (draining) return reply.code(503).send({ status: 'draining', role, checks: {} });
    const results = await Promise.all(all.map(async (c) => [c.name, await run(c)] as const));
    const ready = results.every(([, result]) => result === 'ok');
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', role, checks: Object.fromEntries(results) });
  });
  return {
    add(check) {
      all.push(check);
    },
    drain() {
      draining = true;
    },
  };
}
