import { choice, createRng, hashString, mulberry32, permutation, RANDOM_SOURCE, streamFor, uniform, xoshiro128 } from './random';

// Golden numbers drawn with the generators as they were before they moved here (data's createRng,
// tuning's Rng/streamFor, the model kernel specs' seededArray): the same seed must keep giving them.
describe('createRng()', () => {
  it('draws the numbers it always drew for a seed', () => {
    const r = createRng(42);
    expect([r.next(), r.int(10), r.gaussian(), r.gaussian(), r.seed()]).toEqual([0.4813160905614495, 9, -0.5910417634988508, -0.5084456437314934, 1511011558]);
    expect(Array.from(permutation(10, createRng(7)))).toEqual([4, 2, 6, 8, 7, 1, 0, 5, 3, 9]);
    expect(createRng(-5.7).next()).toBe(0.6532046326901764);
    expect(createRng(2 ** 40 + 3).next()).toBe(0.8914504204876721);
  });

  it('gives standard normals', () => {
    const r = createRng(1);
    const xs = Array.from({ length: 20000 }, () => r.gaussian());
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / xs.length;
    expect(Math.abs(mean)).toBeLessThan(0.03);
    expect(Math.abs(variance - 1)).toBeLessThan(0.05);
  });
});

describe('mulberry32()', () => {
  it('is the raw stream of a 32-bit state', () => {
    const next = mulberry32(99);
    expect(Array.from(Float32Array.from({ length: 4 }, () => -1 + 2 * next()))).toEqual([
      -0.4790683686733246, 0.6096455454826355, 0.08174306899309158, 0.3804868459701538,
    ]);
  });
});

describe('xoshiro128() / streamFor()', () => {
  it('draws the numbers the search always drew', () => {
    const r = xoshiro128(123);
    expect([r.next(), r.int(7), uniform(r, 2, 5), choice(r, [1, 2, 3])]).toEqual([0.732650596243165, 3, 4.94378025533813, 2]);
    expect(streamFor(42, 3, 'tpe').next()).toBe(0.22057861107811172);
    expect(hashString('abc')).toBe(482950588);
  });

  it('gives different streams per trial and purpose', () => {
    const a = streamFor(1, 0, 'x').next();
    expect(streamFor(1, 1, 'x').next()).not.toBe(a);
    expect(streamFor(1, 0, 'y').next()).not.toBe(a);
    expect(streamFor(1, 0, 'x').next()).toBe(a);
  });
});

describe('RANDOM_SOURCE', () => {
  it('is the file of the generators', () => {
    expect(RANDOM_SOURCE).toMatch(/random\.ts$/);
  });
});
