import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { cp, chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import path from 'node:path';

import { LocalnetError, LocalnetErrorCode } from './errors';
import { run } from './exec';
import { fabricPins, type FabricPins, type GoComponent } from './pins';

export interface FabricBinaries {
  readonly binDir: string;
  /** Fabric's own sampleconfig (core.yaml, orderer.yaml), read from the module source at run time. */
  readonly sampleConfigDir: string;
  readonly fabricLabel: string;
  readonly fabricCaLabel: string;
}

export interface EnsureBinariesOptions {
  readonly pins?: FabricPins;
  /** Where built binaries are kept; one sub-folder per pin set, so a new pin means a new build. */
  readonly cacheRoot?: string;
  readonly onProgress?: (message: string) => void;
}

interface BuildStamp {
  readonly key: string;
  readonly builtAt: string;
  readonly seconds: number;
}

export function defaultCacheRoot(): string {
  const base = process.env.XDG_CACHE_HOME ?? path.join(homedir(), '.cache');
  return process.env.FABRIC_CACHE_DIR ?? path.join(base, 'ledger-gateway', 'fabric');
}

export function pinKey(pins: FabricPins): string {
  const material = JSON.stringify([pins.fabric, pins.fabricCa]);
  return createHash('sha256').update(material).digest('hex').slice(0, 16);
}

/** Parses `go version` output ("go version go1.26.8 linux/amd64") into [major, minor]. */
export function parseGoVersion(output: string): readonly [number, number] | undefined {
  const match = /go(\d+)\.(\d+)/.exec(output);
  if (!match?.[1] || !match[2]) return undefined;
  return [Number(match[1]), Number(match[2])];
}

export function isGoRecentEnough(found: readonly [number, number], minimum: string): boolean {
  const wanted = parseGoVersion(`go${minimum}`);
  if (!wanted) throw new Error(`bad minimum Go version ${minimum}`);
  return found[0] > wanted[0] || (found[0] === wanted[0] && found[1] >= wanted[1]);
}

async function checkGo(minimum: string): Promise<string> {
  let output: string;
  try {
    output = (await run('go', ['version'], { step: 'check Go' })).stdout;
  } catch (error) {
    throw new LocalnetError(
      LocalnetErrorCode.GO_MISSING,
      `Go ${minimum} or newer is needed to build Fabric, and no 'go' command was found on PATH`,
      'Install Go (https://go.dev/doc/install) and make sure `go version` works in this shell.',
      { cause: error },
    );
  }
  const version = parseGoVersion(output);
  if (!version || !isGoRecentEnough(version, minimum)) {
    throw new LocalnetError(
      LocalnetErrorCode.GO_TOO_OLD,
      `Go ${minimum} or newer is needed to build Fabric; found: ${output.trim()}`,
      'Upgrade Go, or put a newer go first on PATH.',
    );
  }
  return output.trim();
}

async function moduleSourceDir(component: GoComponent, onProgress: (m: string) => void): Promise<string> {
  onProgress(`downloading ${component.module}@${component.version}`);
  const { stdout } = await run('go', ['mod', 'download', '-json', `${component.module}@${component.version}`], {
    step: `download ${component.module}`,
    env: { ...process.env, GOFLAGS: '-mod=mod' },
  });
  const info = JSON.parse(stdout) as { Dir?: string; Error?: string };
  if (!info.Dir) {
    throw new LocalnetError(
      LocalnetErrorCode.BUILD_FAILED,
      `the Go module proxy did not serve ${component.module}@${component.version}: ${info.Error ?? 'no source directory'}`,
      'Check `go env GOPROXY GOSUMDB`; the pins live in network/fabric.json.',
    );
  }
  return info.Dir;
}

async function buildComponent(
  name: string,
  component: GoComponent,
  workDir: string,
  binDir: string,
  onProgress: (m: string) => void,
): Promise<string> {
  const moduleDir = await moduleSourceDir(component, onProgress);
  // The module cache is read-only and module zips carry no vendor folder, so build from a
  // writable copy in which Go resolves the dependencies through the proxy.
  const srcDir = path.join(workDir, 'src', name);
  await rm(srcDir, { recursive: true, force: true });
  await cp(moduleDir, srcDir, { recursive: true });
  await chmodTree(srcDir);
  await rm(path.join(srcDir, 'vendor'), { recursive: true, force: true });
  onProgress(`downloading the dependencies of ${name}`);
  await run('go', ['mod', 'download'], { cwd: srcDir, step: `download dependencies of ${name}` });
  onProgress(`compiling ${component.commands.join(', ')} (the slow part: several minutes on 2 cores the first time)`);
  const ldflags =
    name === 'fabric' ? ['-ldflags', `-X github.com/hyperledger/fabric/common/metadata.Version=${component.label}`] : [];
  await run(
    'go',
    ['build', '-trimpath', '-o', `${binDir}/`, ...ldflags, ...component.commands.map((c) => `./cmd/${c}`)],
    {
      cwd: srcDir,
      step: `build ${name}`,
      env: { ...process.env, CGO_ENABLED: component.cgo ? '1' : '0', GOFLAGS: '-mod=mod' },
    },
  );
  return srcDir;
}

async function chmodTree(dir: string): Promise<void> {
  await run('chmod', ['-R', 'u+w', dir], { step: 'make the source copy writable' });
  await chmod(dir, 0o755);
}

/**
 * Makes sure the pinned Fabric and Fabric CA binaries exist, building them from their Go modules
 * when the pins changed or nothing was built yet. Returns at once when a build for these pins exists.
 */
export async function ensureFabricBinaries(options: EnsureBinariesOptions = {}): Promise<FabricBinaries> {
  const pins = options.pins ?? fabricPins();
  const onProgress = options.onProgress ?? (() => undefined);
  const key = pinKey(pins);
  const workDir = path.join(options.cacheRoot ?? defaultCacheRoot(), key);
  const binDir = path.join(workDir, 'bin');
  const result: FabricBinaries = {
    binDir,
    sampleConfigDir: path.join(workDir, 'src', 'fabric', 'sampleconfig'),
    fabricLabel: pins.fabric.label,
    fabricCaLabel: pins.fabricCa.label,
  };
  const stampPath = path.join(workDir, 'built.json');
  const wanted = [...pins.fabric.commands, ...pins.fabricCa.commands];
  if (existsSync(stampPath) && wanted.every((c) => existsSync(path.join(binDir, c)))) {
    const stamp = JSON.parse(await readFile(stampPath, 'utf8')) as BuildStamp;
    if (stamp.key === key) return result;
  }

  const goVersion = await checkGo(pins.minGo);
  onProgress(`building with ${goVersion} into ${workDir}`);
  const started = Date.now();
  await mkdir(binDir, { recursive: true });
  await buildComponent('fabric', pins.fabric, workDir, binDir, onProgress);
  await buildComponent('fabric-ca', pins.fabricCa, workDir, binDir, onProgress);
  const stamp: BuildStamp = { key, builtAt: new Date().toISOString(), seconds: (Date.now() - started) / 1000 };
  await writeFile(stampPath, JSON.stringify(stamp, null, 2));
  onProgress(`built in ${stamp.seconds.toFixed(0)} s`);
  return result;
}
