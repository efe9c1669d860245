import { createRequire } from 'node:module';
import path from 'node:path';

import type { Projector } from './projector';

/**
 * A projector named by where it lives, so that the preparer thread (which shares no objects with
 * the thread that configured it) can load the same projector: `export` is either a projector or a
 * factory called with `options` (which must survive structured clone: plain data).
 */
export interface ProjectorModule {
  /** An absolute module path (without an extension it resolves as `require` does). */
  readonly module: string;
  readonly export: string;
  readonly options?: unknown;
}

/** The projectors this repository ships: the generic latest state, and the sample chaincode's assets. */
export function builtInProjectorModules(sampleChaincodes: readonly string[]): ProjectorModule[] {
  const module = path.join(__dirname, 'projectors');
  return [
    { module, export: 'stateProjector' },
    { module, export: 'createSampleProjector', options: [...sampleChaincodes] },
  ];
}

function isProjector(value: unknown): value is Projector {
  if (typeof value !== 'object' || value === null) return false;
  const candidate = value as Partial<Record<keyof Projector, unknown>>;
  return typeof candidate.name === 'string' && typeof candidate.wants === 'function' && typeof candidate.project === 'function';
}

// CommonJS require, so that a TypeScript module resolves through the same hooks as the rest.
const load = createRequire(__filename);

export function loadProjector(spec: ProjectorModule): Projector {
  const exports = load(spec.module) as Record<string, unknown>;
  const value = exports[spec.export];
  const projector: unknown = typeof value === 'function' ? (value as (options: unknown) => unknown)(spec.options) : value;
  if (!isProjector(projector)) throw new Error(`${spec.module}#${spec.export} is not a projector (name, wants, project)`);
  return projector;
}

export function loadProjectors(specs: readonly ProjectorModule[]): Projector[] {
  return specs.map(loadProjector);
}
