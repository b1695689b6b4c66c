import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { DataError } from './errors';
import { fitPreprocessStats } from './preprocess';
import { loadStats, saveStats, statsFromJSON, statsToJSON } from './stats-json';
import { makeTempDir } from './testing';
import { AUDIO_SIZE, IMAGE_SIZE } from './types';

const stats = fitPreprocessStats(
  Float32Array.from({ length: 3 * IMAGE_SIZE }, (_, i) => i % 256),
  Float32Array.from({ length: 3 * AUDIO_SIZE }, (_, i) => Math.sin(i) / 3),
);

describe('statsToJSON() / statsFromJSON()', () => {
  it('round-trips exactly through JSON text', () => {
    const back = statsFromJSON(JSON.parse(JSON.stringify(statsToJSON(stats))));
    expect(back.imageScale).toBe(255);
    expect(back.audioMean).toEqual(stats.audioMean);
    expect(back.audioStd).toEqual(stats.audioStd);
  });

  it('refuses malformed statistics, naming the field', () => {
    const json = statsToJSON(stats);
    expect(() => statsFromJSON({ ...json, audioMean: [1, 2] }, 'stats.json')).toThrow(DataError);
    expect(() => statsFromJSON({ ...json, audioMean: [1, 2] }, 'stats.json')).toThrow('Expected `stats.json` field `audioMean` to be 507 finite numbers, found an array of 2');
    expect(() => statsFromJSON({ ...json, imageScale: 3 }, 'stats.json')).toThrow('field `imageScale` to be 1 or 255, found 3');
    expect(() => statsFromJSON(null, 'stats.json')).toThrow('Expected `stats.json` to be a JSON object, found null');
  });
});

describe('saveStats() / loadStats()', () => {
  it('writes and reads a file, and names a broken one', () => {
    const tmp = makeTempDir();
    try {
      const path = join(tmp.dir, 'stats.json');
      saveStats(path, stats);
      expect(loadStats(path).audioStd).toEqual(stats.audioStd);
      writeFileSync(path, '{oops');
      expect(() => loadStats(path)).toThrow(`Expected \`${path}\` to be JSON preprocessing statistics, found invalid JSON`);
    } finally {
      tmp.cleanup();
    }
  });
});
