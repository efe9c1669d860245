/**
 * The Helm chart, linted and rendered by the pinned Helm (`npm run helm:build`; CI builds it before
 * the tests). A missing binary fails these tests: it never skips them.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

import { parseAllDocuments } from 'yaml';

import { chartValuesFiles, helmBinaryPath, lintChart, renderChart } from '../../src/localnet/helmBinary';

jest.setTimeout(60_000);

interface Manifest {
  kind: string;
  metadata: { name: string; labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}
interface Probe { httpGet: { path: string; port: string | number } }
interface Container {
  name: string;
  args?: string[];
  command?: string[];
  ports?: { name: string; containerPort: number }[];
  livenessProbe?: Probe;
  readinessProbe?: Probe;
  resources?: { requests?: Record<string, string>; limits?: Record<string, string> };
  env?: { name: string; value: string }[];
  securityContext?: Record<string, unknown>;
}
interface PodSpec { containers: Container[]; securityContext?: Record<string, unknown> }

const ROLES = ['gateway', 'sync', 'submitter'] as const;
const METRICS = [
  'ledger_gateway_sync_lag_blocks',
  'ledger_gateway_sync_lag_seconds',
  'ledger_gateway_peer_ledger_height',
  'ledger_gateway_submissions_total',
  'ledger_gateway_submission_queue_depth',
];

function helm(): string {
  const bin = helmBinaryPath();
  if (!existsSync(bin)) {
    throw new Error(`no Helm binary at ${bin}: run \`npm run helm:build\` (CI runs it before the tests); these tests do not skip without it`);
  }
  return bin;
}

async function render(valuesFile: string): Promise<Manifest[]> {
  const text = await renderChart(valuesFile, helm());
  return parseAllDocuments(text)
    .map((d) => d.toJSON() as Manifest | null)
    .filter((m): m is Manifest => m !== null);
}

const named = (manifests: Manifest[], kind: string, suffix: string): Manifest | undefined =>
  manifests.find((m) => m.kind === kind && m.metadata.name.endsWith(suffix));

function pod(deployment: Manifest | undefined): PodSpec {
  const template = deployment?.spec?.template as { spec: PodSpec } | undefined;
  if (!template) throw new Error('no pod template');
  return template.spec;
}

/** A probe's port, resolved through the container's named ports to a number. */
function probePort(container: Container, probe: Probe | undefined): number | undefined {
  const port = probe?.httpGet.port;
  return typeof port === 'number' ? port : container.ports?.find((p) => p.name === port)?.containerPort;
}

const [valuesFile, devFile, productionFile] = chartValuesFiles() as [string, string, string];

describe('the Helm chart deploy/helm/ledger-gateway', () => {
  it('passes helm lint --strict with every values file', async () => {
    for (const file of chartValuesFiles()) {
      await expect(lintChart(file, helm())).resolves.toMatch(/1 chart\(s\) linted, 0 chart\(s\) failed/);
    }
  });

  /** One role's Deployment and Service as the probes, Prometheus and the Service need them. */
  function expectRoleWired(manifests: Manifest[], role: (typeof ROLES)[number]): void {
    const spec = pod(named(manifests, 'Deployment', `-${role}`));
    const [container] = spec.containers;
    if (!container) throw new Error(`no container in ${role}`);
    expect(container.args).toEqual(['--role', role]);
    expect(container.env).toContainEqual({ name: 'ROLE', value: role });
    expect(container.ports?.map((p) => [p.name, p.containerPort])).toEqual([['http', 4000]]);
    expect([container.livenessProbe?.httpGet.path, probePort(container, container.livenessProbe)]).toEqual(['/healthz', 4000]);
    expect([container.readinessProbe?.httpGet.path, probePort(container, container.readinessProbe)]).toEqual(['/readyz', 4000]);
    expect(Object.keys(container.resources?.requests ?? {}).sort()).toEqual(['cpu', 'memory']);
    expect(Object.keys(container.resources?.limits ?? {})).toContain('memory');
    expect(spec.securityContext).toMatchObject({ runAsNonRoot: true });
    expect(container.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true });
    // Every role's Service reaches the container's http port, which /metrics is scraped on.
    const ports = named(manifests, 'Service', `-${role}`)?.spec?.ports as { name: string; targetPort: string }[] | undefined;
    expect(ports?.map((p) => [p.name, p.targetPort])).toEqual([['http', 'http']]);
  }

  it.each(chartValuesFiles().map((f) => [path.basename(f), f]))(
    'with %s: every role on port 4000, liveness on /healthz, readiness on /readyz, requests and limits, non-root',
    async (_name, file) => {
      const manifests = await render(file);
      for (const role of ROLES) expectRoleWired(manifests, role);
      const config = named(manifests, 'ConfigMap', '-env');
      expect(config?.data?.PORT).toBe('4000');
      expect(config?.data?.LEDGER_CONNECTION_PROFILES).toMatch(/^Org1MSP=\/etc\/ledger-gateway\/connection-profiles\/connection-org1\.json,Org2MSP=/);
    },
  );

  it('gives every role more termination grace than the process drains for, preStop sleep included', async () => {
    for (const file of chartValuesFiles()) {
      const manifests = await render(file);
      const graceMs = Number(named(manifests, 'ConfigMap', '-env')?.data?.GATEWAY_SHUTDOWN_GRACE_MS);
      expect(graceMs).toBeGreaterThan(0);
      for (const role of ROLES) {
        const spec = pod(named(manifests, 'Deployment', `-${role}`)) as PodSpec & { terminationGracePeriodSeconds: number };
        const preStop = (spec.containers[0] as Container & { lifecycle?: { preStop: { exec: { command: string[] } } } }).lifecycle?.preStop.exec.command;
        const sleepMs = preStop ? Number(preStop[1]) * 1000 : 0;
        expect({ role, slack: spec.terminationGracePeriodSeconds * 1000 - graceMs - sleepMs > 0 }).toEqual({ role, slack: true });
      }
    }
  });

  it('runs two sync replicas and never autoscales them (one active through the advisory lock)', async () => {
    for (const file of chartValuesFiles()) {
      const manifests = await render(file);
      expect(named(manifests, 'Deployment', '-sync')?.spec?.replicas).toBe(2);
      const hpaTargets = manifests.filter((m) => m.kind === 'HorizontalPodAutoscaler').map((m) => (m.spec?.scaleTargetRef as { name: string }).name);
      expect(hpaTargets.some((t) => t.endsWith('-sync'))).toBe(false);
    }
  });

  it('autoscales gateway and submitter on CPU, and keeps the gateway available through disruptions', async () => {
    const manifests = await render(productionFile);
    for (const role of ['gateway', 'submitter']) {
      const hpa = named(manifests, 'HorizontalPodAutoscaler', `-${role}`);
      expect((hpa?.spec?.scaleTargetRef as { name: string }).name).toMatch(new RegExp(`-${role}$`));
      const metrics = hpa?.spec?.metrics as { type: string; resource: { name: string; target: { type: string } } }[];
      expect(metrics.map((m) => [m.type, m.resource.name, m.resource.target.type])).toEqual([['Resource', 'cpu', 'Utilization']]);
      // An autoscaled Deployment leaves the replica count to the HPA.
      expect(named(manifests, 'Deployment', `-${role}`)?.spec?.replicas).toBeUndefined();
    }
    expect(named(manifests, 'PodDisruptionBudget', '-gateway')?.spec?.minAvailable).toBe(2);
  });

  it('routes /graphql and the health path through the Ingress to the gateway Service, never /metrics', async () => {
    const manifests = await render(productionFile);
    const ingress = named(manifests, 'Ingress', '-gateway');
    const rules = ingress?.spec?.rules as { http: { paths: { path: string; backend: { service: { name: string; port: { name: string } } } }[] } }[];
    const paths = rules.flatMap((r) => r.http.paths);
    expect(paths.map((p) => p.path)).toEqual(expect.arrayContaining(['/graphql', '/healthz', '/readyz']));
    expect(paths.map((p) => p.path)).not.toContain('/metrics');
    const gatewayService = named(manifests, 'Service', '-gateway')?.metadata.name;
    for (const p of paths) expect(p.backend.service).toEqual({ name: gatewayService, port: { name: 'http' } });
    expect(ingress?.metadata.annotations?.['alb.ingress.kubernetes.io/healthcheck-path']).toBe('/readyz');
  });

  it('migrates with prisma migrate deploy in a pre-install/pre-upgrade hook Job', async () => {
    for (const file of [valuesFile, productionFile]) {
      const manifests = await render(file);
      const job = named(manifests, 'Job', '-migrations');
      expect(job?.metadata.annotations?.['helm.sh/hook']).toBe('pre-install,pre-upgrade');
      const [container] = pod(job).containers;
      expect(container?.command).toEqual(['node_modules/.bin/prisma', 'migrate', 'deploy']);
    }
  });

  it('keeps the keys in a Secret: generated base64 32-byte keys by default, an existing Secret in production', async () => {
    const defaults = await render(valuesFile);
    const secret = named(defaults, 'Secret', '-secrets');
    for (const key of ['WALLET_KEY', 'AUTH_JWT_SECRET']) {
      const value = Buffer.from(secret?.data?.[key] ?? '', 'base64').toString();
      expect(Buffer.from(value, 'base64')).toHaveLength(32);
    }
    expect(secret?.metadata.annotations?.['helm.sh/resource-policy']).toBe('keep');
    const production = await render(productionFile);
    expect(production.filter((m) => m.kind === 'Secret')).toEqual([]);
    const [container] = pod(named(production, 'Deployment', '-gateway')).containers as [Container & { envFrom: { secretRef?: { name: string } }[] }];
    expect(container.envFrom).toContainEqual({ secretRef: { name: 'ledger-gateway-secrets' } });
  });

  it('scrapes /metrics of every role and alerts on sync lag, peer height divergence, submit errors and queue depth', async () => {
    const manifests = await render(productionFile);
    const monitor = named(manifests, 'ServiceMonitor', '');
    const endpoints = monitor?.spec?.endpoints as { port: string; path: string }[];
    expect(endpoints.map((e) => [e.port, e.path])).toEqual([['http', '/metrics']]);
    const rule = manifests.find((m) => m.kind === 'PrometheusRule');
    const groups = rule?.spec?.groups as { rules: { alert: string; expr: string }[] }[];
    const alerts = groups.flatMap((g) => g.rules);
    expect(alerts.map((a) => a.alert).sort()).toEqual([
      'LedgerGatewayPeerHeightDivergence',
      'LedgerGatewaySubmissionQueueDepth',
      'LedgerGatewaySubmitErrorRate',
      'LedgerGatewaySyncLagBlocks',
      'LedgerGatewaySyncLagSeconds',
    ]);
    const exprs = alerts.map((a) => a.expr).join('\n');
    for (const metric of METRICS) expect(exprs).toContain(`${metric}{`);
    expect(alerts.find((a) => a.alert === 'LedgerGatewayPeerHeightDivergence')?.expr).toMatch(/by \(namespace, channel, peer, msp\)/);
    // The queue alert follows the configured bound (80% of SUBMISSION_QUEUE_BOUND=5000 in production).
    expect(alerts.find((a) => a.alert === 'LedgerGatewaySubmissionQueueDepth')?.expr).toMatch(/> 4000$/);
  });

  it('renders no Prometheus Operator resources in dev (no CRDs assumed)', async () => {
    const kinds = (await render(devFile)).map((m) => m.kind);
    expect(kinds).not.toContain('ServiceMonitor');
    expect(kinds).not.toContain('PrometheusRule');
  });
});
