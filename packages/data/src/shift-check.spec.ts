import { createRng } from '@digitfuse/core';
import { inputShift } from './shift-check';
import { AUDIO_SIZE, IMAGE_SIZE, type ModelInputs } from './types';

/** Preprocessed-looking rows: images in [0,1] reaching 1, standard-normal audio (times `audioScale`, plus `audioShift`). */
function rows(n: number, opts: { imageScale?: number; audioScale?: number; audioShift?: number; seed?: number } = {}): ModelInputs {
  const rng = createRng(opts.seed ?? 1);
  const images = Float32Array.from({ length: n * IMAGE_SIZE }, (_, i) => (i % 7 === 0 ? 1 : rng.next() * 0.5) * (opts.imageScale ?? 1));
  const audio = Float32Array.from({ length: n * AUDIO_SIZE }, () => rng.gaussian() * (opts.audioScale ?? 1) + (opts.audioShift ?? 0));
  return { n, images, audio, labels: null };
}

describe('inputShift()', () => {
  it('finds nothing in rows like the training rows', () => {
    const r = inputShift(rows(120));
    expect(r.level).toBe('ok');
    expect(r.findings).toEqual([]);
    expect(r.audioStdRatio).toBeCloseTo(1, 1);
  });

  it('refuses audio scaled x1000 and images on the wrong scale, with the figures', () => {
    const loud = inputShift(rows(120, { audioScale: 1000 }), 'the test rows');
    expect(loud.level).toBe('refuse');
    expect(loud.findings[0]).toMatch(/^the audio of the test rows is far from the training audio: mean \|z\| [\d.e+]+ .*spread [\d.e+]+x the training spread$/);
    expect(inputShift(rows(120, { imageScale: 255 })).level).toBe('refuse');
    const dim = inputShift(rows(120, { imageScale: 1 / 255 }));
    expect(dim.level).toBe('refuse');
    expect(dim.findings[0]).toContain('the brightest image pixel of the inputs is 0.004');
  });

  it('names the file of the images or of the audio that a finding is about', () => {
    const files = { images: 'data/x_test_wr.npy', audio: 'data/x_test_sp.npy' };
    expect(inputShift(rows(120, { audioScale: 1000 }), 'the test rows', files).findings).toEqual([
      expect.stringMatching(/^the audio of the test rows \(`data\/x_test_sp\.npy`\) is far from the training audio: /),
    ]);
    expect(inputShift(rows(120, { imageScale: 255 }), 'the test rows', files).findings).toEqual([
      expect.stringMatching(/^the images of the test rows \(`data\/x_test_wr\.npy`\) reach [\d.e+]+ after scaling/),
    ]);
    expect(inputShift(rows(120, { imageScale: 1 / 255 }), 'the test rows', files).findings[0]).toContain('the brightest image pixel of the test rows (`data/x_test_wr.npy`) is 0.004');
  });

  it('warns for a moderate audio shift (a unit offset), and judges audio only with enough rows', () => {
    expect(inputShift(rows(120, { audioShift: 1 })).level).toBe('warn');
    expect(inputShift(rows(120, { audioScale: 2 })).level).toBe('warn');
    expect(inputShift(rows(5, { audioShift: 1 })).level).toBe('ok');
  });

  it('judges the audio as the model that reads it uses it: an offset voice is refused for one relying on it, a warning for one falling back on its image expert', () => {
    // Mean |z| 8: about what a test file min-max scaled on its own range gives (7.8 measured).
    const offset = rows(120, { audioShift: 8 });
    expect(inputShift(offset).level).toBe('refuse');
    expect(inputShift(offset, 'the test rows', {}, 'relies').findings).toEqual([
      expect.stringMatching(/^the audio of the test rows is far from the training audio: mean \|z\| [78]\.\d+ .* \(an offset a robust or attention model would adapt to, leaning on its image expert; this model relies on the audio\)$/),
    ]);
    // Audio on another scale: no such note, no model would take it.
    expect(inputShift(rows(120, { audioScale: 1000 }), 'the test rows').findings[0]).not.toContain('robust');
    expect(inputShift(rows(120, { audioScale: 1000 }), 'the test rows', {}, 'falls-back').findings[0]).not.toContain('robust');
    const fallingBack = inputShift(offset, 'the test rows', {}, 'falls-back');
    expect(fallingBack.level).toBe('warn');
    expect(fallingBack.findings).toEqual([
      expect.stringMatching(/^the audio of the test rows differs from the training audio: mean \|z\| [78]\.\d+ .*; a robust or attention model, adapted to these rows, leaves the prediction to its image expert where this audio disagrees with it \(expect about the accuracy of images alone\)$/),
    ]);
    // A moderate offset reads the same for both: the note is for what the other would refuse.
    expect(inputShift(rows(120, { audioShift: 1 }), 'the test rows', {}, 'falls-back').findings).toEqual(inputShift(rows(120, { audioShift: 1 }), 'the test rows').findings);
    // A unit mix-up is refused whatever the model: an offset beyond any recording's, or another scale.
    expect(inputShift(rows(120, { audioShift: 40 }), 'the test rows', {}, 'falls-back').level).toBe('refuse');
    expect(inputShift(rows(120, { audioScale: 1000 }), 'the test rows', {}, 'falls-back').level).toBe('refuse');
    expect(inputShift(rows(120, { audioScale: 1 / 255 }), 'the test rows', {}, 'falls-back').level).toBe('refuse');
    // An image-only model does not hear: its audio is not judged, its images are.
    expect(inputShift(rows(120, { audioScale: 1000 }), 'the test rows', {}, 'none')).toMatchObject({ level: 'ok', findings: [] });
    expect(inputShift(rows(120, { audioScale: 1000, imageScale: 255 }), 'the test rows', {}, 'none').level).toBe('refuse');
  });
});
