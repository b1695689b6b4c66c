import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileAtomic, writeFileAtomicAsync } from './write-atomic';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'core-atomic-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

describe('writeFileAtomic()', () => {
  it('creates parent folders, replaces the file and leaves no temp file', () => {
    const path = join(dir, 'a', 'b.txt');
    writeFileAtomic(path, 'one');
    writeFileAtomic(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(join(dir, 'a'))).toEqual(['b.txt']);
  });

  it('writes bytes', () => {
    const path = join(dir, 'b.bin');
    writeFileAtomic(path, new Uint8Array([1, 2, 255]));
    expect([...readFileSync(path)]).toEqual([1, 2, 255]);
  });
});

describe('writeFileAtomicAsync()', () => {
  it('writes strings and bytes, creating parent folders', async () => {
    await writeFileAtomicAsync(join(dir, 'x', 'a.json'), '{}\n');
    await writeFileAtomicAsync(join(dir, 'x', 'b.bin'), new Uint8Array(new Float32Array([1.5]).buffer));
    expect(readFileSync(join(dir, 'x', 'a.json'), 'utf8')).toBe('{}\n');
    expect(readFileSync(join(dir, 'x', 'b.bin')).readFloatLE(0)).toBe(1.5);
    expect(readdirSync(join(dir, 'x')).sort()).toEqual(['a.json', 'b.bin']);
  });
});
