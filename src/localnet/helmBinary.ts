import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';

import { LocalnetError, LocalnetErrorCode } from './errors';
import { run } from './exec';
import { defaultCacheRoot } from './fabricBinaries';
import { repoRoot } from './pins';

/**
 * Helm, built pinned from its Go module (`go install helm.sh/helm/v3/cmd/helm@<version>`) into the
 * same cache as the Fabric binaries, so CI and developers lint the chart with one known Helm and
 * nothing is downloaded outside the Go module proxy.
 */
export interface HelmPin {
  readonly module: string;
  readonly version: string;
  readonly package: string;
  /** The Kubernetes version `helm lint`/`template` assume (Helm's release builds set it by ldflags). */
  readonly kubernetesVersion: string;
}

export function helmPin(file = path.join(repoRoot, 'deploy', 'tools.json')): HelmPin {
  return (JSON.parse(readFileSync(file, 'utf8')) as { helm: HelmPin }).helm;
}

export function helmPinKey(pin: HelmPin): string {
  return createHash('sha256').update(JSON.stringify(pin)).digest('hex').slice(0, 16);
}

/** `<cache>/helm/<key>/bin/helm`; the cache is FABRIC_CACHE_DIR's parent (~/.cache/ledger-gateway). */
export function helmBinaryPath(pin: HelmPin = helmPin(), cacheRoot = path.dirname(defaultCacheRoot())): string {
  return path.join(cacheRoot, 'helm', helmPinKey(pin), 'bin', 'helm');
}

/** The -X flags Helm's Makefile passes: its version, and the Kubernetes version it assumes. */
export function helmLdflags(pin: HelmPin): string {
  const [major, minor] = pin.kubernetesVersion.split('.');
  if (!major || !minor) throw new Error(`bad kubernetesVersion ${pin.kubernetesVersion} in deploy/tools.json`);
  const k8s = ['helm.sh/helm/v3/pkg/chartutil', 'helm.sh/helm/v3/pkg/lint/rules'].flatMap((pkg) => [
    `-X ${pkg}.k8sVersionMajor=${major}`,
    `-X ${pkg}.k8sVersionMinor=${minor}`,
  ]);
  return ['-s', '-w', `-X helm.sh/helm/v3/internal/version.version=${pin.version}`, ...k8s].join(' ');
}

/** Returns the cached Helm binary, building it first when this pin was never built. */
export async function ensureHelmBinary(options: { pin?: HelmPin; onProgress?: (m: string) => void } = {}): Promise<string> {
  const pin = options.pin ?? helmPin();
  const bin = helmBinaryPath(pin);
  const binDir = path.dirname(bin);
  const stampPath = path.join(path.dirname(binDir), 'built.json');
  const key = helmPinKey(pin);
  if (existsSync(bin) && existsSync(stampPath) && (JSON.parse(await readFile(stampPath, 'utf8')) as { key?: string }).key === key) {
    return bin;
  }
  await mkdir(binDir, { recursive: true });
  options.onProgress?.(`go install ${pin.package}@${pin.version} (about 3 minutes on 2 cores the first time)`);
  const started = Date.now();
  try {
    await run('go', ['install', '-trimpath', '-ldflags', helmLdflags(pin), `${pin.package}@${pin.version}`], {
      // Outside any module, so that go install resolves the pinned module and nothing else.
      cwd: binDir,
      step: `build Helm ${pin.version}`,
      env: { ...process.env, GOBIN: binDir, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
    });
  } catch (error) {
    throw new LocalnetError(
      LocalnetErrorCode.BUILD_FAILED,
      `could not build Helm ${pin.version} from ${pin.module}: ${error instanceof Error ? error.message : String(error)}`,
      'Check `go version` (1.21+) and `go env GOPROXY GOSUMDB`; the pin lives in deploy/tools.json.',
      { cause: error },
    );
  }
  await writeFile(stampPath, JSON.stringify({ key, builtAt: new Date().toISOString(), seconds: (Date.now() - started) / 1000 }, null, 2));
  return bin;
}

/** The chart in deploy/helm, and the values files CI lints and renders it with (values.yaml first). */
export const chartDir = path.join(repoRoot, 'deploy', 'helm', 'ledger-gateway');

export function chartValuesFiles(): readonly string[] {
  return ['values.yaml', 'values-dev.yaml', 'values-production.yaml'].map((f) => path.join(chartDir, f));
}

/** The cached Helm binary, or an error that says how to build it (nothing is built here). */
export function requireHelmBinary(): string {
  const bin = helmBinaryPath();
  if (!existsSync(bin)) {
    throw new LocalnetError(
      LocalnetErrorCode.BUILD_FAILED,
      `no Helm binary at ${bin} (pin ${helmPin().version})`,
      'Run `npm run helm:build` first (CI runs it before the tests).',
    );
  }
  return bin;
}

/** `helm template` of the chart with one values file, as the release `ledger` in namespace `ledger`. */
export async function renderChart(valuesFile: string, bin = requireHelmBinary()): Promise<string> {
  const { stdout } = await run(bin, ['template', 'ledger', chartDir, '--namespace', 'ledger', '-f', valuesFile], {
    step: `helm template -f ${path.basename(valuesFile)}`,
  });
  return stdout;
}

/** `helm lint --strict` of the chart with one values file; resolves with Helm's report. */
export async function lintChart(valuesFile: string, bin = requireHelmBinary()): Promise<string> {
  const { stdout } = await run(bin, ['lint', '--strict', chartDir, '-f', valuesFile], {
    step: `helm lint --strict -f ${path.basename(valuesFile)}`,
  });
  return stdout;
}
