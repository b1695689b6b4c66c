import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir, writeCompetitionFixture } from '../testing';
import { AUDIO_SIZE, IMAGE_SIZE } from '../types';
import { digitsGridSpec } from './digits-grid';
import { coefficientZScores, mfccMapsSpec } from './mfcc-maps';
import { writeDataFigures } from './write-figures';

type Values = { values: Record<string, unknown>[] };

describe('digitsGridSpec()', () => {
  it('draws the non-zero pixels of each chosen image, captioned with its label', () => {
    const images = new Float32Array(3 * IMAGE_SIZE);
    images[IMAGE_SIZE + 29] = 200; // image 1: row 1, column 1
    images[2 * IMAGE_SIZE + 783] = 9;
    const spec = digitsGridSpec(images, Int32Array.from([4, 7, 1]), [1, 2]) as unknown as { data: Values; columns: number };
    expect(spec.data.values).toEqual([
      { k: 0, caption: 'label 7 (row 1)', c: 1, c2: 2, r: 1, r2: 2, v: 200 },
      { k: 1, caption: 'label 1 (row 2)', c: 27, c2: 28, r: 27, r2: 28, v: 9 },
    ]);
    expect(spec.columns).toBe(10);
  });
});

describe('mfccMapsSpec()', () => {
  it('lays out 39 frames x 13 coefficients per clip', () => {
    const values = Float32Array.from({ length: AUDIO_SIZE }, (_, i) => i);
    const spec = mfccMapsSpec([{ label: 3, row: 8, values }]) as unknown as { data: Values };
    expect(spec.data.values).toHaveLength(AUDIO_SIZE);
    expect(spec.data.values[14]).toMatchObject({ caption: 'digit 3 (row 8)', frame: 1, coeff: 1, v: 14 });
  });

  it('z-scores each coefficient over all frames and rows', () => {
    const audio = Float32Array.from({ length: 2 * AUDIO_SIZE }, (_, i) => ((i % 13) + 1) * (i % 2));
    const [z] = coefficientZScores(audio, [0]);
    const c = 5;
    const column = Array.from({ length: 78 }, (_, k) => audio[k * 13 + c]);
    const mean = column.reduce((a, b) => a + b, 0) / column.length;
    const std = Math.sqrt(column.reduce((a, b) => a + (b - mean) ** 2, 0) / column.length);
    expect(z[13 + c]).toBeCloseTo((audio[13 + c] - mean) / std, 5);
  });
});

describe('writeDataFigures()', () => {
  it('writes the two PNGs', async () => {
    const tmp = makeTempDir();
    try {
      writeCompetitionFixture(join(tmp.dir, 'data'), { nTrain: 12, nTest: 0 });
      const paths = await writeDataFigures({ dataDir: join(tmp.dir, 'data'), outDir: join(tmp.dir, 'out'), images: 4 });
      expect(paths).toEqual([join(tmp.dir, 'out', 'digits-grid.png'), join(tmp.dir, 'out', 'mfcc-per-digit.png')]);
      for (const p of paths) {
        const png = readFileSync(p);
        expect(png.subarray(1, 4).toString('latin1')).toBe('PNG');
        expect(png.readUInt32BE(16)).toBeGreaterThan(400); // width
      }
    } finally {
      tmp.cleanup();
    }
  }, 30000);
});
