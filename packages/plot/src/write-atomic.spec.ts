import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic } from './write-atomic';

describe('writeFileAtomic()', () => {
  it('creates parent folders, replaces the file and leaves no temp file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'plot-'));
    const path = join(dir, 'a', 'b.txt');
    writeFileAtomic(path, 'one');
    writeFileAtomic(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(join(dir, 'a'))).toEqual(['b.txt']);
  });
});
