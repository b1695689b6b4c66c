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
    const back = readBinaryCache<{ hello: string }>(path);
    expect(back.problem).toBeNull();
    expect(back.cache?.meta.hello).toBe('world');
    expect(back.cache?.arrays.a).toEqual(a);
    expect(back.cache?.arrays.b).toEqual(b);
    expect(back.cache?.arrays.empty.length).toBe(0);
    expect((back.cache?.arrays.a.byteOffset ?? 1) % 64).toBe(0);
    expect(readBinaryCacheMeta<{ hello: string }>(path)?.hello).toBe('world');
  });

  it('keeps the last number of an array that ends the file on a 64-byte boundary', () => {
    const path = join(tmp.dir, 'c.bin');
    const a = Float32Array.from({ length: 16 }, (_, i) => -0.5 - i);
    writeBinaryCache(path, {}, { a });
    expect(readBinaryCache<object>(path).cache?.arrays.a).toEqual(a);
  });

  it('finds no cache in absent and foreign files', () => {
    const path = join(tmp.dir, 'c.bin');
    expect(readBinaryCache(path)).toEqual({ cache: null, problem: null });
    writeFileSync(path, 'not a cache');
    expect(readBinaryCache(path)).toEqual({ cache: null, problem: null });
    expect(readBinaryCacheMeta(path)).toBeNull();
  });

  it('says why a cache cut short, with one flipped bit, or without a checksum cannot be used', () => {
    const path = join(tmp.dir, 'c.bin');
    const a = Float32Array.from({ length: 5000 }, (_, i) => Math.sin(i));
    writeBinaryCache(path, { scale: 255 }, { a, b: Int32Array.from([1, 2, 3]) });
    const good = readFileSync(path);

    writeFileSync(path, good.subarray(0, -10));
    expect(readBinaryCache(path)).toEqual({ cache: null, problem: `is cut short or overlong (${good.length - 10} bytes, its header says ${good.length})` });

    // One bit of every part of the file in turn: the header length, the header, an array, the padding.
    const headerLength = good.readUInt32LE(8);
    const arrayAt = good.length - 64 - 5000 * 4; // `a`, then `b` in the last 64-byte block
    for (const [at, what] of [
      [9, 'header length'],
      [44 + headerLength - 3, 'header'],
      [44 + headerLength + 5, 'padding after the header'],
      [arrayAt + 1234, 'array a'],
      [good.length - 1, 'padding at the end'],
    ] as const) {
      const bad = Buffer.from(good);
      bad[at] ^= 0x10;
      writeFileSync(path, bad);
      expect([what, readBinaryCache(path).problem]).toEqual([what, expect.stringMatching(/^(fails its checksum \(damaged on disk\?\)|is cut short or overlong .*)$/)]);
      expect(readBinaryCache(path).cache).toBeNull();
    }
    // A flipped digit inside the header's JSON still parses: only the checksum tells.
    const flipped = Buffer.from(good);
    const digit = flipped.indexOf('255', 44, 'latin1');
    flipped[digit] = '3'.charCodeAt(0);
    writeFileSync(path, flipped);
    expect(readBinaryCacheMeta<{ scale: number }>(path)?.scale).toBe(355);
    expect(readBinaryCache(path)).toEqual({ cache: null, problem: 'fails its checksum (damaged on disk?)' });

    // The first layout (`DFCACHE1`, no checksum): recognised as a cache, never used.
    const json = Buffer.from(JSON.stringify({ meta: { scale: 255 }, arrays: {}, size: 64 }));
    const old = Buffer.alloc(64);
    old.write('DFCACHE1', 0, 'latin1');
    old.writeUInt32LE(json.length, 8);
    json.copy(old, 12);
    writeFileSync(path, old);
    expect(readBinaryCacheMeta<{ scale: number }>(path)?.scale).toBe(255);
    expect(readBinaryCache(path)).toEqual({ cache: null, problem: 'has no checksum (an older version wrote it)' });
  });
});
