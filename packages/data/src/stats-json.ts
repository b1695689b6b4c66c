import { readFileSync } from 'node:fs';
import { writeFileAtomic } from '@digitfuse/core';
import { DataError } from './errors';
import { AUDIO_SIZE, type PreprocessStats } from './types';

/** {@link PreprocessStats} as plain JSON (numbers, not typed arrays). */
export interface PreprocessStatsJSON {
  readonly imageScale: number;
  readonly audioMean: number[];
  readonly audioStd: number[];
}

/** Converts stats to JSON-safe form (float32 values survive the round trip exactly). */
export function statsToJSON(stats: PreprocessStats): PreprocessStatsJSON {
  return { imageScale: stats.imageScale, audioMean: Array.from(stats.audioMean), audioStd: Array.from(stats.audioStd) };
}

/**
 * Rebuilds stats from {@link statsToJSON}'s output (or the parsed JSON of a saved file), checking
 * the shape of every field; `source` names the file in messages.
 */
export function statsFromJSON(json: unknown, source = 'preprocessing statistics'): PreprocessStats {
  const o = json as Partial<Record<keyof PreprocessStatsJSON, unknown>> | null;
  const numbers = (v: unknown, field: string): Float32Array => {
    if (!Array.isArray(v) || v.length !== AUDIO_SIZE || !v.every((x) => typeof x === 'number' && Number.isFinite(x))) {
      throw new DataError(`Expected \`${source}\` field \`${field}\` to be ${AUDIO_SIZE} finite numbers, found ${describe(v)}`);
    }
    return Float32Array.from(v as number[]);
  };
  if (typeof o !== 'object' || o === null) throw new DataError(`Expected \`${source}\` to be a JSON object, found ${describe(o)}`);
  if (o.imageScale !== 1 && o.imageScale !== 255) throw new DataError(`Expected \`${source}\` field \`imageScale\` to be 1 or 255, found ${describe(o.imageScale)}`);
  const audioStd = numbers(o.audioStd, 'audioStd');
  if (audioStd.some((s) => s <= 0)) throw new DataError(`Expected \`${source}\` field \`audioStd\` to be positive`);
  return { imageScale: o.imageScale, audioMean: numbers(o.audioMean, 'audioMean'), audioStd };
}

function describe(v: unknown): string {
  if (Array.isArray(v)) return `an array of ${v.length}`;
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 40 ? `${s.slice(0, 40)}...` : s;
}

/** Writes stats as JSON, atomically. */
export function saveStats(path: string, stats: PreprocessStats): void {
  writeFileAtomic(path, `${JSON.stringify(statsToJSON(stats))}\n`);
}

/** Reads stats written by {@link saveStats}. */
export function loadStats(path: string): PreprocessStats {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new DataError(`Cannot read preprocessing statistics \`${path}\``, path);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new DataError(`Expected \`${path}\` to be JSON preprocessing statistics, found invalid JSON`, path);
  }
  return statsFromJSON(json, path);
}
