import { ConfigError } from '../errors';
import { NSGAIISampler } from './nsga2-sampler';
import { RandomSampler } from './random-sampler';
import { createSampler, SAMPLER_TYPES } from './registry';
import { TPESampler } from './tpe-sampler';

describe('createSampler()', () => {
  it('builds each registered sampler with its options', () => {
    expect(SAMPLER_TYPES).toEqual(['random', 'tpe', 'nsga2']);
    expect(createSampler('random', { seed: 1 })).toBeInstanceOf(RandomSampler);
    expect(createSampler('tpe', { seed: 2 })).toBeInstanceOf(TPESampler);
    expect((createSampler('nsga2', { seed: 3 }) as NSGAIISampler).seed).toBe(3);
  });

  it('throws a ConfigError listing the known types for an unknown one', () => {
    expect(() => createSampler('cmaes')).toThrow(ConfigError);
    expect(() => createSampler('cmaes')).toThrow('Unsupported sampler type "cmaes" (expected one of random, tpe, nsga2)');
  });
});
