import { ConfigError } from '../errors';
import { audioUseOf, DEFAULT_MODEL_CONFIG, FUSIONS, validateConfig } from './config';

describe('validateConfig()', () => {
  it('fills the paper defaults', () => {
    expect(validateConfig({})).toEqual(DEFAULT_MODEL_CONFIG);
    expect(validateConfig({ units: 64 })).toEqual({ ...DEFAULT_MODEL_CONFIG, units: 64 });
  });

  it.each([
    [{ dropout: 1.5 }, 'dropout', 'Expected `dropout` in [0, 1), found 1.5'],
    [{ dropout: -0.1 }, 'dropout', 'Expected `dropout` in [0, 1), found -0.1'],
    [{ learningRate: 0 }, 'learningRate', 'Expected `learningRate` in (0, 1], found 0'],
    [{ units: 2.5 }, 'units', 'Expected `units` to be an integer in [1, 4096], found 2.5'],
    [{ kernelSize: 0 }, 'kernelSize', 'Expected `kernelSize` to be an integer in [1, 9], found 0'],
    [{ imageFilters: [] }, 'imageFilters', 'Expected `imageFilters` to be an array of 1 to 4 filter counts, found []'],
    [{ audioFilters: [8, 0, 4] }, 'audioFilters', 'Expected `audioFilters[1]` to be an integer in [1, 1024], found 0'],
    [{ modality: 'video' }, 'modality', 'Expected `modality` to be one of both, image, audio, found "video"'],
    [{ fusion: 'late' }, 'fusion', `Expected \`fusion\` to be one of ${FUSIONS.join(', ')}, found "late"`],
    [{ seed: -1 }, 'seed', 'Expected `seed` to be an integer in [0, 2147483647], found -1'],
    [{ unit: 3 }, 'unit', 'Unknown model config field `unit`'],
  ])('rejects %j', (config, field, message) => {
    const run = () => validateConfig(config as never);
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(message);
    try {
      run();
    } catch (err) {
      expect((err as ConfigError).field).toBe(field);
    }
  });
});

describe('audioUseOf()', () => {
  it('says how a model uses the test audio: not at all, relying on it, or falling back on its image expert', () => {
    const uses = [...FUSIONS].map((fusion) => [fusion, audioUseOf({ modality: 'both', fusion })]);
    expect(Object.fromEntries(uses)).toEqual({ attention: 'falls-back', concat: 'relies', robust: 'falls-back' });
    expect(audioUseOf({ modality: 'image', fusion: 'concat' })).toBe('none');
    expect(audioUseOf({ modality: 'image', fusion: 'robust' })).toBe('none');
    expect(audioUseOf({ modality: 'audio', fusion: 'robust' })).toBe('relies');
  });
});
