import { ConfigError } from '../errors';
import { NSGAIISampler, type NSGAIISamplerArgs } from './nsga2-sampler';
import { RandomSampler, type RandomSamplerArgs } from './random-sampler';
import type { Sampler } from './sampler';
import { TPESampler, type TPESamplerArgs } from './tpe-sampler';

/** Every sampler by type name; a new sampler is one file plus one line here. */
const SAMPLERS = {
  random: (args: RandomSamplerArgs) => new RandomSampler(args),
  tpe: (args: TPESamplerArgs) => new TPESampler(args),
  nsga2: (args: NSGAIISamplerArgs) => new NSGAIISampler(args),
} as const;

export type SamplerType = keyof typeof SAMPLERS;
/** The sampler type names, e.g. for a CLI's choices. */
export const SAMPLER_TYPES = Object.keys(SAMPLERS) as SamplerType[];
/** Options of any sampler; each sampler reads its own. */
export type AnySamplerArgs = RandomSamplerArgs & TPESamplerArgs & NSGAIISamplerArgs;

/**
 * A sampler by type name.
 * @throws ConfigError for an unknown type.
 */
export function createSampler(type: string, args: AnySamplerArgs = {}): Sampler {
  if (!Object.prototype.hasOwnProperty.call(SAMPLERS, type)) {
    throw new ConfigError(`Unsupported sampler type ${JSON.stringify(type)} (expected one of ${SAMPLER_TYPES.join(', ')})`);
  }
  return SAMPLERS[type as SamplerType](args);
}
