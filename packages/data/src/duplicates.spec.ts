import { audioDuplicateGroups } from './duplicates';
import { createRng } from '@digitfuse/core';
import { AUDIO_SIZE } from './types';

function rows(pattern: number[]): Float32Array {
  // Row i gets the values of clip pattern[i]; clips are random rows.
  const rng = createRng(5);
  const clips = new Map<number, Float32Array>();
  const out = new Float32Array(pattern.length * AUDIO_SIZE);
  pattern.forEach((clip, i) => {
    if (!clips.has(clip)) clips.set(clip, Float32Array.from({ length: AUDIO_SIZE }, () => rng.next()));
    out.set(clips.get(clip)!, i * AUDIO_SIZE);
  });
  return out;
}

describe('audioDuplicateGroups()', () => {
  it('gives identical rows one group, numbered by first appearance', () => {
    const g = audioDuplicateGroups(rows([7, 3, 7, 9, 3, 7]));
    expect(Array.from(g.groups)).toEqual([0, 1, 0, 2, 1, 0]);
    expect(g.nGroups).toBe(3);
    expect(g.duplicateRows).toBe(3);
  });

  it('separates rows that differ in one value', () => {
    const audio = rows([1, 1]);
    audio[AUDIO_SIZE + 506] += 1e-6;
    expect(audioDuplicateGroups(audio).nGroups).toBe(2);
  });

  it('looks at the first n rows only', () => {
    const g = audioDuplicateGroups(rows([1, 2, 1, 1]), 2);
    expect(g.groups.length).toBe(2);
    expect(g.duplicateRows).toBe(0);
  });

  it('scales to many rows with many repeats', () => {
    const pattern = Array.from({ length: 2000 }, (_, i) => (i * 37) % 150);
    const g = audioDuplicateGroups(rows(pattern));
    expect(g.nGroups).toBe(150);
    expect(g.duplicateRows).toBe(1850);
    expect(g.groups[150]).toBe(g.groups[0]);
  });
});
