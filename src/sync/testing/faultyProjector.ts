import type { Projector } from '../projector';

/**
 * A projector for tests of the preparer thread: from block `atBlock` on it fails the way asked
 * (throws, throws where nothing catches it, or ends its thread). Loaded by module path, as every
 * projector of the thread is (see projectorModules.ts).
 */
export interface FaultyProjectorOptions {
  readonly atBlock: number;
  readonly fault: 'throw' | 'uncaught' | 'exit';
}

export function createFaultyProjector(options: FaultyProjectorOptions): Projector {
  return {
    name: 'faulty',
    wants: () => true,
    project({ blockNumber }) {
      if (blockNumber < BigInt(options.atBlock)) return [];
      switch (options.fault) {
        case 'throw':
          throw new Error(`faulty projector: refused block ${blockNumber}`);
        case 'uncaught':
          setImmediate(() => {
            throw new Error(`faulty projector: uncaught at block ${blockNumber}`);
          });
          return [];
        case 'exit':
          return process.exit(70);
      }
    },
  };
}

export const FAULTY_PROJECTOR_MODULE = __filename.replace(/\.[jt]s$/, '');
