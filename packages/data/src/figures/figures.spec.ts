import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors';
import { prepareData } from '../prepare-data';
import { fitAudioStats, preprocess } from '../preprocess';
import { makeTempDir, writeCompetitionFixture } from '../testing';
import { AUDIO_SIZE, IMAGE_SIZE } from '../types';
import { digitsGridSpec } from './digits-grid';
import { coefficientZScores, mfccMapsSpec } from './mfcc-maps';
import { dataFigureSpecs, writeDataFigures } from './write-figures';

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

  it('gives the same numbers from standardised audio when told the standardisation', () => {
    const audio = Float32Array.from({ length: 6 * AUDIO_SIZE }, (_, i) => Math.sin(i) * ((i % 13) + 1) + (i % 7));
    const stats = { imageScale: 255, ...fitAudioStats(audio, Int32Array.from([0, 2, 4])) };
    const standardised = preprocess(stats, new Float32Array(6 * IMAGE_SIZE), audio, null).audio;
    const fromFile = coefficientZScores(audio, [1, 5]);
    const undone = coefficientZScores(standardised, [1, 5], stats);
    undone.forEach((z, k) => z.forEach((v, j) => expect(v).toBeCloseTo(fromFile[k][j], 4)));
  });
});

describe('dataFigureSpecs()', () => {
  type Facet = { data: Values; spec: { encoding: { color: { scale: { domain: number[] }; legend: { title: string } } } } };

  it('draws prepared rows as the files hold them', async () => {
    const tmp = makeTempDir();
    try {
      const fixture = writeCompetitionFixture(join(tmp.dir, 'data'), { nTrain: 30, nTest: 0 });
      const prepared = await prepareData({ dataDir: join(tmp.dir, 'data'), cacheDir: join(tmp.dir, 'cache') });
      const raw = { train: { n: 30, images: fixture.trainImages, audio: fixture.trainAudio, labels: fixture.trainLabels } };
      const fromFiles = dataFigureSpecs(raw, { images: 6 });
      const fromPrepared = dataFigureSpecs(prepared, { images: 6 });
      for (const name of ['digitsGrid', 'mfccPerDigit'] as const) {
        const a = fromFiles[name] as unknown as Facet;
        const b = fromPrepared[name] as unknown as Facet;
        expect(b.spec.encoding.color).toEqual(a.spec.encoding.color);
        expect(b.data.values).toHaveLength(a.data.values.length);
        b.data.values.forEach((row, i) => {
          const { v, ...rest } = row;
          const { v: expected, ...expectedRest } = a.data.values[i];
          expect(rest).toEqual(expectedRest);
          expect(v).toBeCloseTo(expected as number, 3);
        });
      }
      expect((fromPrepared.digitsGrid as unknown as Facet).spec.encoding.color.legend.title).toBe('pixel (0..255)');
    } finally {
      tmp.cleanup();
    }
  }, 30000);

  it('needs labelled rows', () => {
    const train = { n: 1, images: new Float32Array(IMAGE_SIZE), audio: new Float32Array(AUDIO_SIZE), labels: null };
    expect(() => dataFigureSpecs({ train })).toThrow(DataError);
    expect(() => dataFigureSpecs({ train })).toThrow('The data figures need labelled training rows');
  });
});

describe('writeDataFigures()', () => {
  it('writes the two PNGs from the files', async () => {
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

  it('writes the same PNGs from the prepared rows as from the files', async () => {
    const tmp = makeTempDir();
    try {
      writeCompetitionFixture(join(tmp.dir, 'data'), { nTrain: 12, nTest: 0 });
      const prepared = await prepareData({ dataDir: join(tmp.dir, 'data'), cacheDir: join(tmp.dir, 'cache') });
      const fromFiles = await writeDataFigures({ dataDir: join(tmp.dir, 'data'), outDir: join(tmp.dir, 'files'), images: 4 });
      const fromPrepared = await writeDataFigures({ data: prepared, outDir: join(tmp.dir, 'prepared'), images: 4 });
      expect(fromPrepared).toEqual([join(tmp.dir, 'prepared', 'digits-grid.png'), join(tmp.dir, 'prepared', 'mfcc-per-digit.png')]);
      fromPrepared.forEach((p, i) => expect(readFileSync(p).equals(readFileSync(fromFiles[i]))).toBe(true));
    } finally {
      tmp.cleanup();
    }
  }, 60000);
});
