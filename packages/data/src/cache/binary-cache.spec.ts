import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTempDir } from '../testing';
import { readBinaryCache, readBinaryCacheMeta, writeBinaryCache } from './binary-cache';

describe('writeBinaryCache() / readBinaryCache()', () => {
  let tmp: ReturnType<typeof makeTempDir>;
  beforeEach(() => (tmp = makeTempDir()));
  afterEach(() => tmp.cleanup());

  it('round-trips arrays and metadata, each array aligned', () => {
    const path = join(tmp.dir, 'sub', 'c.bin');
    const a = Float32Array.from({ length: 1001 }, (_, i) => i / 3);
    const b = Int32Array.from([5, -6, 7]);
    writeBinaryCache(path, { hello: 'world', long: 'x'.repeat(10000) }, { a, b, empty: new Float32Array(0) });
    const back = readBinaryCache<{ hello: string }>(path)!;
    expect(back.meta.hello).toBe('world');
    expect(back.arrays.a).toEqual(a);
    expect(back.arrays.b).toEqual(b);
    expect(back.arrays.empty.length).toBe(0);
    expect(back.arrays.a.byteOffset % 64).toBe(0);
    expect(readBinaryCacheMeta<{ hello: string }>(path)?.hello).toBe('world');
  });

  it('returns null for absent, foreign and truncated files', () => {
    const path = join(tmp.dir, 'c.bin');
    expect(readBinaryCache(path)).toBeNull();
    writeFileSync(path, 'not a cache');
    expect(readBinaryCache(path)).toBeNull();
    expect(readBinaryCacheMeta(path)).toBeNull();
    writeBinaryCache(path, {}, { a: new Float32Array(100) });
    writeFileSync(path, readFileSync(path).subarray(0, -10));
    expect(readBinaryCache(path)).toBeNull();
  });
});
