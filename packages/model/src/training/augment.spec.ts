import { IMAGE_SIZE } from '@digitfuse/data';
import { createRng } from '@digitfuse/data';
import { augmentImages } from './augment';

describe('augmentImages()', () => {
  const image = new Float32Array(IMAGE_SIZE);
  for (let y = 10; y < 18; y++) for (let x = 12; x < 16; x++) image[y * 28 + x] = 1;

  it('is the identity with no shift or rotation', () => {
    expect(augmentImages(image, createRng(1), { maxShift: 0, maxRotation: 0 })).toEqual(image);
  });

  it('moves the ink but keeps it roughly, and is seeded', () => {
    const two = new Float32Array(2 * IMAGE_SIZE);
    two.set(image);
    two.set(image, IMAGE_SIZE);
    const a = augmentImages(two, createRng(3));
    expect(augmentImages(two, createRng(3))).toEqual(a);
    expect(a.subarray(0, IMAGE_SIZE)).not.toEqual(image);
    expect(a.subarray(0, IMAGE_SIZE)).not.toEqual(a.subarray(IMAGE_SIZE));
    const ink = (arr: Float32Array) => arr.reduce((s, v) => s + v, 0);
    expect(ink(a.subarray(0, IMAGE_SIZE))).toBeGreaterThan(0.85 * ink(image));
    expect(ink(a.subarray(0, IMAGE_SIZE))).toBeLessThan(1.15 * ink(image));
  });

  it('shifts by whole pixels exactly', () => {
    // An rng whose draws are 1, 0.5, 0.5 -> dx = +maxShift, dy = 0, no rotation.
    const draws = [1 - 1e-12, 0.5, 0.5];
    const rng = { next: () => draws.shift() as number, int: () => 0, seed: () => 0, gaussian: () => 0 };
    const out = augmentImages(image, rng, { maxShift: 2, maxRotation: 10 });
    for (let y = 0; y < 28; y++) for (let x = 2; x < 28; x++) expect(out[y * 28 + x]).toBeCloseTo(image[y * 28 + x - 2], 5);
  });
});
