import { readFileSync } from 'node:fs';
import path from 'node:path';

export interface GoComponent {
  readonly module: string;
  readonly version: string;
  readonly label: string;
  readonly commands: readonly string[];
  readonly cgo: boolean;
}

export interface FabricPins {
  readonly minGo: string;
  readonly fabric: GoComponent;
  readonly fabricCa: GoComponent;
}

export const repoRoot = path.resolve(__dirname, '..', '..');

/** The pins in network/fabric.json: the one place that says which Fabric this project runs. */
export function fabricPins(file = path.join(repoRoot, 'network', 'fabric.json')): FabricPins {
  return JSON.parse(readFileSync(file, 'utf8')) as FabricPins;
}
