import { DataError } from './errors';
import { detectImageScale, fitPreprocessStats, oneHot, preprocess, subset } from './preprocess';
import { createRng } from '@digitfuse/core';
import { AUDIO_SIZE, IMAGE_SIZE } from './types';

function randomData(n: number, seed = 1) {
  const rng = createRng(seed);
  const images = Float32Array.from({ length: n * IMAGE_SIZE }, () => rng.int(256));
  // Feature j has mean ~j/100 and a spread that grows with j, so wrong per-feature maths shows.
  const audio = Float32Array.from({ length: n * AUDIO_SIZE }, (_, i) => ((i % AUDIO_SIZE) / 100) + rng.next() * (1 + (i % AUDIO_SIZE) / 50));
  return { images, audio };
}

/** Mean and population std of feature j over rows. */
function columnStats(audio: Float32Array, j: number, rows: number[]): [number, number] {
  const v = rows.map((r) => audio[r * AUDIO_SIZE + j]);
  const mean = v.reduce((a, b) => a + b, 0) / v.length;
  return [mean, Math.sqrt(v.reduce((a, b) => a + (b - mean) ** 2, 0) / v.length)];
}

describe('fitPreprocessStats()', () => {
  it('fits per-feature audio mean and std on the given rows only', () => {
    const { images, audio } = randomData(30);
    const rows = Int32Array.from([0, 2, 3, 7, 11, 19, 25]);
    const stats = fitPreprocessStats(images, audio, rows);
    for (const j of [0, 1, 250, 506]) {
      const [mean, std] = columnStats(audio, j, Array.from(rows));
      expect(stats.audioMean[j]).toBeCloseTo(mean, 5);
      expect(stats.audioStd[j]).toBeCloseTo(std, 5);
    }
    const all = fitPreprocessStats(images, audio);
    expect(all.audioMean[506]).not.toBeCloseTo(stats.audioMean[506], 3);
  });

  it('treats a constant feature as std 1', () => {
    const { images, audio } = randomData(5);
    for (let r = 0; r < 5; r++) audio[r * AUDIO_SIZE + 4] = 0.25;
    const stats = fitPreprocessStats(images, audio);
    expect(stats.audioMean[4]).toBeCloseTo(0.25, 6);
    expect(stats.audioStd[4]).toBe(1);
  });

  it('stays accurate when values sit far from zero', () => {
    const { images } = randomData(4);
    const audio = Float32Array.from({ length: 4 * AUDIO_SIZE }, (_, i) => 1000 + (Math.floor(i / AUDIO_SIZE) % 2) * 0.002);
    expect(fitPreprocessStats(images, audio).audioStd[0]).toBeCloseTo(0.001, 4);
  });
});

describe('detectImageScale()', () => {
  it('detects 0..255 and [0,1] images and refuses others', () => {
    expect(detectImageScale(Float32Array.from([0, 12, 255]))).toBe(255);
    expect(detectImageScale(Float32Array.from([0, 0.5, 1]))).toBe(1);
    expect(() => detectImageScale(Float32Array.from([0, 300]))).toThrow(DataError);
    expect(() => detectImageScale(Float32Array.from([-1, 3]))).toThrow('Expected image values in 0..255 or [0,1], found values from -1 to 3');
  });
});

describe('preprocess()', () => {
  it('scales images to [0,1] and standardises audio with the fitted numbers', () => {
    const { images, audio } = randomData(40, 3);
    const labels = Int32Array.from({ length: 40 }, (_, i) => i % 10);
    const train = Int32Array.from({ length: 30 }, (_, i) => i);
    const stats = fitPreprocessStats(images, audio, train);
    const out = preprocess(stats, images, audio, labels);
    expect(out.n).toBe(40);
    expect(out.images[5]).toBeCloseTo(images[5] / 255, 6);
    for (const j of [0, 100, 506]) {
      const [mean, std] = columnStats(out.audio, j, Array.from(train));
      expect(mean).toBeCloseTo(0, 4);
      expect(std).toBeCloseTo(1, 4);
    }
    expect(out.labels).toEqual(labels);
    expect(out.labels).not.toBe(labels);
  });

  it('selects rows in the given order', () => {
    const { images, audio } = randomData(6);
    const stats = fitPreprocessStats(images, audio);
    const full = preprocess(stats, images, audio, Int32Array.from([0, 1, 2, 3, 4, 5]));
    const some = preprocess(stats, images, audio, Int32Array.from([0, 1, 2, 3, 4, 5]), Int32Array.from([4, 1]));
    expect(some.n).toBe(2);
    expect(some.images.subarray(0, IMAGE_SIZE)).toEqual(full.images.subarray(4 * IMAGE_SIZE, 5 * IMAGE_SIZE));
    expect(some.images.subarray(IMAGE_SIZE)).toEqual(full.images.subarray(IMAGE_SIZE, 2 * IMAGE_SIZE));
    expect(some.audio.subarray(AUDIO_SIZE)).toEqual(full.audio.subarray(AUDIO_SIZE, 2 * AUDIO_SIZE));
    expect(Array.from(some.labels!)).toEqual([4, 1]);
  });

  it('can work in place', () => {
    const { images, audio } = randomData(3);
    const stats = fitPreprocessStats(images, audio);
    const copy = preprocess(stats, images, audio, null);
    const inPlace = preprocess(stats, images, audio, null, undefined, { inPlace: true });
    expect(inPlace.images).toBe(images);
    expect(inPlace.audio).toEqual(copy.audio);
    expect(inPlace.labels).toBeNull();
  });

  it('refuses mismatched shapes and rows out of range', () => {
    const { images, audio } = randomData(3);
    const stats = fitPreprocessStats(images, audio);
    expect(() => preprocess(stats, images, audio.subarray(0, AUDIO_SIZE * 2), null)).toThrow('images have 3 rows but audio has 2');
    expect(() => preprocess(stats, images, audio, null, Int32Array.from([3]))).toThrow('row index 3 is outside 0..2');
  });
});

describe('subset()', () => {
  it('copies the chosen rows', () => {
    const { images, audio } = randomData(4);
    const inputs = { n: 4, images, audio, labels: Int32Array.from([5, 6, 7, 8]) };
    const s = subset(inputs, Int32Array.from([3, 0]));
    expect(s.n).toBe(2);
    expect(s.audio.subarray(0, AUDIO_SIZE)).toEqual(audio.subarray(3 * AUDIO_SIZE));
    expect(s.images.subarray(IMAGE_SIZE)).toEqual(images.subarray(0, IMAGE_SIZE));
    expect(Array.from(s.labels!)).toEqual([8, 5]);
  });
});

describe('oneHot()', () => {
  it('encodes labels and refuses out-of-range ones', () => {
    expect(Array.from(oneHot(Int32Array.from([2, 0]), 3))).toEqual([0, 0, 1, 1, 0, 0]);
    expect(oneHot(Int32Array.from([9])).length).toBe(10);
    expect(() => oneHot(Int32Array.from([10]))).toThrow('label 10 at index 0 is outside 0..9');
  });
});
