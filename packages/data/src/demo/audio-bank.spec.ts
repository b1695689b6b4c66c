import { createRng } from '@digitfuse/core';
import { AUDIO_COEFFS, AUDIO_SIZE } from '../types';
import { decodeAudioBank, encodeAudioBank, loadAudioBank, type ClipInfo } from './audio-bank';

describe('encodeAudioBank() / decodeAudioBank()', () => {
  it('quantises per coefficient within half a step', () => {
    const rng = createRng(2);
    const clips: ClipInfo[] = Array.from({ length: 6 }, (_, i) => ({ digit: i % 10, speaker: i % 2 ? 'theo' : 'george', index: i, split: i < 4 ? 'train' : 'test' }));
    // Coefficient 0 spans ~100, the others ~2: per-coefficient ranges keep the small ones precise.
    const features = Float32Array.from({ length: 6 * AUDIO_SIZE }, (_, i) => (i % AUDIO_COEFFS === 0 ? -100 * rng.next() : rng.next() * 2 - 1));
    const { data, meta } = encodeAudioBank(features, clips);
    expect(data.length).toBe(6 * AUDIO_SIZE);
    expect(meta.speakers).toEqual(['george', 'theo']);
    const bank = decodeAudioBank(data, meta);
    for (let i = 0; i < features.length; i++) {
      const c = i % AUDIO_COEFFS;
      expect(Math.abs(bank.features[i] - features[i])).toBeLessThanOrEqual((meta.max[c] - meta.min[c]) / 510 + 1e-5);
    }
    expect(bank.split).toEqual(['train', 'train', 'train', 'train', 'test', 'test']);
    expect(Array.from(bank.digit)).toEqual([0, 1, 2, 3, 4, 5]);
  });
});

describe('loadAudioBank()', () => {
  it('loads the committed bank: 2,400 FSDD clips, 2,250 train and 150 test, every digit', () => {
    const bank = loadAudioBank();
    expect(bank.clips).toBe(2400);
    expect(bank.features.length).toBe(2400 * AUDIO_SIZE);
    expect(bank.split.filter((s) => s === 'train').length).toBe(2250);
    expect(bank.speakers).toEqual(['george', 'jackson', 'lucas', 'nicolas', 'theo']);
    for (let d = 0; d < 10; d++) expect(bank.digit.filter((x) => x === d).length).toBe(240);
  });
});
