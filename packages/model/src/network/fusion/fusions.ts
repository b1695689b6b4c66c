import type * as tf from '@tensorflow/tfjs';
import { ConfigError } from '../../errors';
import { fusionLayer } from '../expert-fusion';
import { OUTPUT_LAYERS, SINGLE_HEAD, type FusionStrategy, type OutputName, type OutputSpec } from './fusion-strategy';
import * as registry from './registry';

/** Name of a registered fusion strategy ('attention' | 'concat' | 'robust' | ...). */
export type Fusion = keyof typeof registry;

const isStrategy = (name: string): boolean => {
  const s = (registry as Record<string, unknown>)[name] as Partial<FusionStrategy> | undefined;
  return typeof s === 'object' && s !== null && s.name === name && typeof s.build === 'function';
};

/** Every registered fusion, in name order. */
export const FUSIONS: readonly Fusion[] = Object.freeze((Object.keys(registry) as Fusion[]).filter(isStrategy).sort());

/** Whether `name` is a registered fusion. */
export function isFusion(name: unknown): name is Fusion {
  return typeof name === 'string' && (FUSIONS as readonly string[]).includes(name);
}

/** Every registered fusion with its one-sentence description, for a `--fusion` help: `attention: ...; concat: ...`. */
export function describeFusions(): string {
  return FUSIONS.map((f) => `${f}: ${registry[f].description}`).join('; ');
}

/**
 * The registered strategy called `name`.
 * @throws ConfigError (field `fusion`) naming the registered ones otherwise.
 */
export function fusionStrategy(name: string): FusionStrategy {
  if (!isFusion(name)) throw new ConfigError(`Unsupported fusion ${JSON.stringify(name)}: expected one of ${FUSIONS.join(', ')}`, 'fusion');
  return registry[name];
}

/** Key of the strategy's name in a model's user-defined metadata (saved in model.json). */
const METADATA_KEY = 'fusion';

/** Records in `model` (saved with it) which strategy built it. */
export function markFusion(model: tf.LayersModel, strategy: FusionStrategy): void {
  model.setUserDefinedMetadata({ ...(model.getUserDefinedMetadata() ?? {}), [METADATA_KEY]: strategy.name });
}

/** The strategy that built `model` (recorded by `buildModel`, kept through save and load), or null: a single-branch model, or one saved before strategies were recorded. */
export function fusionOf(model: tf.LayersModel): FusionStrategy | null {
  const name = (model.getUserDefinedMetadata() as Record<string, unknown> | undefined)?.[METADATA_KEY];
  return name === undefined ? null : fusionStrategy(String(name));
}

/**
 * What `model`'s outputs are and which are trained: its strategy's declaration; for a model without
 * one (single-branch, or saved before strategies were recorded), read from its output layers: a
 * product of experts trains every output but the prediction, any other model its one output.
 */
export function outputSpec(model: tf.LayersModel): OutputSpec {
  const strategy = fusionOf(model);
  if (strategy) return strategy;
  const byLayer = new Map<string, OutputName>(Object.entries(OUTPUT_LAYERS).map(([name, layer]) => [layer, name as OutputName]));
  const outputs = model.outputNames.map((layer) => {
    const name = byLayer.get(layer);
    if (!name) throw new Error(`Model ${model.name} has an output \`${layer}\` that is none of ${Object.values(OUTPUT_LAYERS).join(', ')}`);
    return name;
  });
  if (!fusionLayer(model)) return outputs.length === 1 ? SINGLE_HEAD : { outputs, losses: outputs, experts: false };
  return { outputs, losses: outputs.filter((o) => o !== 'prediction'), experts: true };
}
