import { AUDIO_COEFFS, AUDIO_FRAMES, AUDIO_SIZE, createRng, IMAGE_SIZE } from '@digitfuse/data';
import { augmentAudio, dropModalities } from './augment-audio';

/** n rows whose value encodes (row, frame, coefficient), so moves are visible. */
const rows = (n: number): Float32Array =>
  Float32Array.from({ length: n * AUDIO_SIZE }, (_, i) => {
    const r = Math.floor(i / AUDIO_SIZE);
    const f = Math.floor((i % AUDIO_SIZE) / AUDIO_COEFFS);
    return r * 1000 + f * 20 + (i % AUDIO_COEFFS) + 1;
  });
const at = (a: Float32Array, r: number, f: number, c: number) => a[r * AUDIO_SIZE + f * AUDIO_COEFFS + c];
const NONE = { maxShift: 0, cepstralShift: 0, noise: 0, frameMask: 0, coeffMask: 0 };

describe('augmentAudio()', () => {
  it('is the identity with every part off, and does not touch its input', () => {
    const x = rows(3);
    const copy = x.slice();
    expect(augmentAudio(x, createRng(1), NONE)).toEqual(x);
    augmentAudio(x, createRng(1));
    expect(x).toEqual(copy);
  });

  it('is reproducible by seed and differs between seeds', () => {
    const x = rows(4);
    expect(augmentAudio(x, createRng(9))).toEqual(augmentAudio(x, createRng(9)));
    expect(augmentAudio(x, createRng(9))).not.toEqual(augmentAudio(x, createRng(10)));
  });

  it('shifts whole frames in time, repeating the edge frame', () => {
    const x = rows(20);
    const y = augmentAudio(x, createRng(3), { ...NONE, maxShift: 3 });
    for (let r = 0; r < 20; r++) {
      // The shift of this row: where frame 19 came from.
      const s = 19 - (at(y, r, 19, 0) - r * 1000 - 1) / 20;
      expect(Math.abs(s)).toBeLessThanOrEqual(3);
      for (let f = 0; f < AUDIO_FRAMES; f++) {
        const src = Math.min(AUDIO_FRAMES - 1, Math.max(0, f - s));
        for (let c = 0; c < AUDIO_COEFFS; c++) expect(at(y, r, f, c)).toBe(at(x, r, src, c));
      }
    }
  });

  it('adds one offset per coefficient, the same in every frame (a cepstral shift)', () => {
    const x = rows(2);
    const y = augmentAudio(x, createRng(4), { ...NONE, cepstralShift: 0.5 });
    for (let r = 0; r < 2; r++) {
      for (let c = 0; c < AUDIO_COEFFS; c++) {
        const d = at(y, r, 0, c) - at(x, r, 0, c);
        expect(Math.abs(d)).toBeGreaterThan(0);
        for (let f = 1; f < AUDIO_FRAMES; f++) expect(at(y, r, f, c) - at(x, r, f, c)).toBeCloseTo(d, 3);
      }
    }
  });

  it('zeroes one run of frames and one run of coefficients per row, no wider than asked', () => {
    const x = rows(30);
    const y = augmentAudio(x, createRng(5), { ...NONE, frameMask: 6, coeffMask: 2 });
    let masked = 0;
    for (let r = 0; r < 30; r++) {
      const zeroFrames = Array.from({ length: AUDIO_FRAMES }, (_, f) => f).filter((f) => Array.from({ length: AUDIO_COEFFS }, (_, c) => at(y, r, f, c)).every((v) => v === 0));
      const zeroCoeffs = Array.from({ length: AUDIO_COEFFS }, (_, c) => c).filter((c) => Array.from({ length: AUDIO_FRAMES }, (_, f) => at(y, r, f, c)).every((v) => v === 0));
      expect(zeroFrames.length).toBeLessThanOrEqual(6);
      expect(zeroCoeffs.length).toBeLessThanOrEqual(2);
      if (zeroFrames.length > 1) expect(zeroFrames[zeroFrames.length - 1] - zeroFrames[0]).toBe(zeroFrames.length - 1);
      masked += zeroFrames.length + zeroCoeffs.length;
      for (let f = 0; f < AUDIO_FRAMES; f++) {
        for (let c = 0; c < AUDIO_COEFFS; c++) if (!zeroFrames.includes(f) && !zeroCoeffs.includes(c)) expect(at(y, r, f, c)).toBe(at(x, r, f, c));
      }
    }
    expect(masked).toBeGreaterThan(30);
  });
});

describe('dropModalities()', () => {
  it('blanks whole senses at about the asked rates, never both of one row, reproducibly', () => {
    const n = 4000;
    const images = new Float32Array(n * IMAGE_SIZE).fill(1);
    const audio = new Float32Array(n * AUDIO_SIZE).fill(1);
    dropModalities(images, audio, n, createRng(2), { audio: 0.3, image: 0.2 });
    let a = 0;
    let i = 0;
    for (let r = 0; r < n; r++) {
      const noAudio = audio.subarray(r * AUDIO_SIZE, (r + 1) * AUDIO_SIZE).every((v) => v === 0);
      const someAudio = audio.subarray(r * AUDIO_SIZE, (r + 1) * AUDIO_SIZE).some((v) => v === 0);
      const img = images.subarray(r * IMAGE_SIZE, (r + 1) * IMAGE_SIZE);
      const noImage = img[0] === 0;
      expect(img[IMAGE_SIZE - 1] === 0).toBe(noImage);
      expect(someAudio).toBe(noAudio);
      expect(noAudio && noImage).toBe(false);
      a += Number(noAudio);
      i += Number(noImage);
    }
    expect(a / n).toBeCloseTo(0.3, 1);
    expect(i / n).toBeCloseTo(0.7 * 0.2, 1);
    const again = new Float32Array(n * AUDIO_SIZE).fill(1);
    dropModalities(null, again, n, createRng(2), { audio: 0.3, image: 0.2 });
    expect(again).toEqual(audio);
  });

  it('rejects a rate outside [0, 1), naming it', () => {
    expect(() => dropModalities(null, null, 1, createRng(1), { audio: 1 })).toThrow('Expected modality dropout `audio` in [0, 1), found 1');
    expect(() => dropModalities(null, null, 1, createRng(1), { image: -0.5 })).toThrow('`image`');
  });
});
