import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors';
import { AUDIO_COEFFS, AUDIO_FRAMES, AUDIO_SIZE } from '../types';

/**
 * The compact spoken-digit bank committed in `packages/data/assets/`: 2,400 FSDD clips as 39 x 13
 * MFCC, quantised to uint8 per coefficient (`fsdd-mfcc.u8`) with the ranges and each clip's digit,
 * speaker and split in `fsdd-mfcc.json`. `npx nx run data:audio-bank` regenerates both.
 */
export interface AudioBank {
  /** MFCC rows [clips * 507], dequantised to float32 (the reference values within 1/255 of a range). */
  readonly features: Float32Array;
  readonly clips: number;
  /** Digit 0..9 per clip. */
  readonly digit: Int32Array;
  /** Speaker index per clip (into `speakers`). */
  readonly speaker: Int32Array;
  readonly speakers: string[];
  /** 'train' (recordings 5..49) or 'test' (recordings 0..2) per clip. */
  readonly split: ('train' | 'test')[];
}

/** The JSON side of the bank. */
export interface AudioBankMeta {
  readonly source: string;
  readonly license: string;
  readonly clips: number;
  readonly frames: number;
  readonly coeffs: number;
  /** Per-coefficient minimum and maximum (13 each) of the quantisation. */
  readonly min: number[];
  readonly max: number[];
  readonly speakers: string[];
  readonly digit: number[];
  readonly speaker: number[];
  /** 0 = train, 1 = test. */
  readonly split: number[];
  /** Recording index per clip (the N of `{digit}_{speaker}_{N}.wav`). */
  readonly index: number[];
  /** sha256 of the .u8 file. */
  readonly sha256: string;
}

/** One clip's metadata as read from FSDD's `clips.csv`. */
export interface ClipInfo {
  readonly digit: number;
  readonly speaker: string;
  readonly index: number;
  readonly split: 'train' | 'test';
}

/** Default location of the committed bank. */
export const AUDIO_BANK_DIR = join(__dirname, '..', '..', 'assets');
export const AUDIO_BANK_FILES = { data: 'fsdd-mfcc.u8', meta: 'fsdd-mfcc.json' } as const;

/** Quantises reference MFCC rows [clips*507] into the bank's uint8 bytes and JSON metadata; a NaN or infinite feature is a RangeError. */
export function encodeAudioBank(features: Float32Array, clips: readonly ClipInfo[]): { data: Uint8Array; meta: AudioBankMeta } {
  const n = clips.length;
  if (features.length !== n * AUDIO_SIZE) throw new RangeError(`expected ${n} x ${AUDIO_SIZE} features, got ${features.length}`);
  const min = new Array<number>(AUDIO_COEFFS).fill(Infinity);
  const max = new Array<number>(AUDIO_COEFFS).fill(-Infinity);
  for (let i = 0; i < features.length; i++) {
    const c = i % AUDIO_COEFFS;
    if (!Number.isFinite(features[i])) throw new RangeError(`Expected finite features, found ${features[i]} at index ${i} (row ${Math.floor(i / AUDIO_SIZE)}, column ${i % AUDIO_SIZE})`);
    if (features[i] < min[c]) min[c] = features[i];
    if (features[i] > max[c]) max[c] = features[i];
  }
  const data = new Uint8Array(features.length);
  for (let i = 0; i < features.length; i++) {
    const c = i % AUDIO_COEFFS;
    const span = max[c] - min[c] || 1;
    data[i] = Math.round(((features[i] - min[c]) / span) * 255);
  }
  const speakers = [...new Set(clips.map((c) => c.speaker))].sort();
  const meta: AudioBankMeta = {
    source: 'Free Spoken Digit Dataset (Jakobovski et al.), https://github.com/Jakobovski/free-spoken-digit-dataset',
    license: 'CC BY-SA 4.0',
    clips: n,
    frames: AUDIO_FRAMES,
    coeffs: AUDIO_COEFFS,
    min,
    max,
    speakers,
    digit: clips.map((c) => c.digit),
    speaker: clips.map((c) => speakers.indexOf(c.speaker)),
    split: clips.map((c) => (c.split === 'train' ? 0 : 1)),
    index: clips.map((c) => c.index),
    sha256: createHash('sha256').update(data).digest('hex'),
  };
  return { data, meta };
}

/** Dequantises a bank (see {@link encodeAudioBank}). */
export function decodeAudioBank(data: Uint8Array, meta: AudioBankMeta): AudioBank {
  const n = meta.clips;
  if (data.length !== n * AUDIO_SIZE) throw new DataError(`Expected the audio bank to hold ${n * AUDIO_SIZE} bytes, found ${data.length}`);
  const features = new Float32Array(data.length);
  const scale = meta.min.map((lo, c) => (meta.max[c] - lo) / 255);
  for (let i = 0; i < data.length; i++) {
    const c = i % AUDIO_COEFFS;
    features[i] = meta.min[c] + data[i] * scale[c];
  }
  return {
    features,
    clips: n,
    digit: Int32Array.from(meta.digit),
    speaker: Int32Array.from(meta.speaker),
    speakers: meta.speakers,
    split: meta.split.map((s) => (s === 0 ? 'train' : 'test')),
  };
}

/** Loads the committed bank (or one in `dir`), checking its hash. */
export function loadAudioBank(dir: string = AUDIO_BANK_DIR): AudioBank {
  const dataPath = join(dir, AUDIO_BANK_FILES.data);
  const metaPath = join(dir, AUDIO_BANK_FILES.meta);
  let data: Buffer;
  let meta: AudioBankMeta;
  try {
    data = readFileSync(dataPath);
    meta = JSON.parse(readFileSync(metaPath, 'utf8')) as AudioBankMeta;
  } catch (err) {
    throw new DataError(`Cannot read the audio bank in \`${dir}\` (${(err as Error).message}); regenerate it with \`npx nx run data:audio-bank\``, dir);
  }
  const sha = createHash('sha256').update(data).digest('hex');
  if (sha !== meta.sha256) throw new DataError(`Expected \`${dataPath}\` to have sha256 ${meta.sha256}, found ${sha}; regenerate it with \`npx nx run data:audio-bank\``, dataPath);
  return decodeAudioBank(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), meta);
}
