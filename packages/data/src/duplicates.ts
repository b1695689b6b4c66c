import { AUDIO_SIZE } from './types';

/** Rows grouped by identical audio. */
export interface AudioGroups {
  /** Group id per row, numbered in order of first appearance (0..nGroups-1). */
  readonly groups: Int32Array;
  /** Number of distinct audio rows. */
  readonly nGroups: number;
  /** Rows whose audio repeats an earlier row's (n - nGroups). */
  readonly duplicateRows: number;
}

/**
 * Groups the first `n` rows of `audio` ([n,507]) so that bit-identical rows share a group. Rows are
 * hashed (FNV-1a over the float bits) and compared exactly on a hash match, so this is linear time.
 */
export function audioDuplicateGroups(audio: Float32Array, n: number = audio.length / AUDIO_SIZE): AudioGroups {
  if (!Number.isInteger(n) || n < 0 || n * AUDIO_SIZE > audio.length) throw new RangeError(`audio holds ${audio.length / AUDIO_SIZE} rows, asked for ${n}`);
  const bits = new Int32Array(audio.buffer, audio.byteOffset, n * AUDIO_SIZE);
  const groups = new Int32Array(n);
  // hash -> representative rows with that hash (one each group; several only on a hash collision)
  const byHash = new Map<number, number[]>();
  let nGroups = 0;
  for (let r = 0; r < n; r++) {
    const base = r * AUDIO_SIZE;
    let h = 0x811c9dc5;
    for (let j = 0; j < AUDIO_SIZE; j++) h = Math.imul(h ^ bits[base + j], 0x01000193);
    h >>>= 0;
    const reps = byHash.get(h);
    let group = -1;
    if (reps) {
      for (const rep of reps) {
        if (sameRow(bits, rep * AUDIO_SIZE, base)) {
          group = groups[rep];
          break;
        }
      }
    }
    if (group < 0) {
      group = nGroups++;
      if (reps) reps.push(r);
      else byHash.set(h, [r]);
    }
    groups[r] = group;
  }
  return { groups, nGroups, duplicateRows: n - nGroups };
}

function sameRow(bits: Int32Array, a: number, b: number): boolean {
  for (let j = 0; j < AUDIO_SIZE; j++) if (bits[a + j] !== bits[b + j]) return false;
  return true;
}
