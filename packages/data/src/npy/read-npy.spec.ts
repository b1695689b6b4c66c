import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DataError } from '../errors';
import { makeTempDir, npyBytes } from '../testing';
import { fortranToC, parseNpy, readNpy } from './read-npy';
import { encodeNpy } from './write-npy';

const values = [0, 1, 2, 3, 4, 5];

describe('parseNpy()', () => {
  it.each(['f4', 'f8', 'u1', 'i4', 'i8'])('reads little-endian %s as float32', (dtype) => {
    const out = parseNpy(npyBytes(values, [2, 3], { dtype }), 'a.npy');
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(Array.from(out.data)).toEqual(values);
    expect(out.shape).toEqual([2, 3]);
  });

  it.each(['f4', 'f8', 'i4', 'i8'])('reads big-endian %s', (dtype) => {
    const written = dtype.startsWith('f') ? [1.5, -2, 300, 7] : [1, -2, 300, 7];
    const out = parseNpy(npyBytes(written, [4], { dtype, order: '>' }), 'b.npy');
    expect(Array.from(out.data)).toEqual(written);
  });

  it("reads '=' (native order) and '|u1' headers", () => {
    expect(Array.from(parseNpy(npyBytes([1, 2], [2], { order: '=' }), 'n.npy').data)).toEqual([1, 2]);
    expect(Array.from(parseNpy(npyBytes([255, 0], [2], { dtype: 'u1', order: '|' }), 'u.npy').data)).toEqual([255, 0]);
  });

  it('converts negative and large int64 values', () => {
    const out = parseNpy(npyBytes([-1, -5000000000, 5000000000], [3], { dtype: 'i8' }), 'i.npy');
    expect(Array.from(out.data)).toEqual([-1, -5000000000, 5000000000]);
  });

  it('transposes Fortran-order arrays into row-major order', () => {
    // The 2 x 3 matrix [[0,1,2],[3,4,5]] stored column by column.
    const out = parseNpy(npyBytes([0, 3, 1, 4, 2, 5], [2, 3], { fortranOrder: true }), 'f.npy');
    expect(Array.from(out.data)).toEqual(values);
    expect(out.shape).toEqual([2, 3]);
  });

  it('reads version-2 headers and misaligned data offsets', () => {
    expect(Array.from(parseNpy(npyBytes(values, [6], { version: 2 }), 'v2.npy').data)).toEqual(values);
    expect(Array.from(parseNpy(npyBytes(values, [6], { dtype: 'f8', extraHeaderSpaces: 3 }), 'm.npy').data)).toEqual(values);
  });

  it('round-trips files written by encodeNpy (npyjs)', () => {
    const data = Float32Array.from({ length: 12 }, (_, i) => i / 7);
    const out = parseNpy(encodeNpy(data, [3, 4]), 'r.npy');
    expect(out.data).toEqual(data);
    expect(out.shape).toEqual([3, 4]);
  });

  it('refuses a file that is not npy, naming the file', () => {
    const text = new TextEncoder().encode('row_id,label\n0,1\n');
    expect(() => parseNpy(text, 'x_train_wr.npy')).toThrow(DataError);
    expect(() => parseNpy(text, 'x_train_wr.npy')).toThrow('Expected `x_train_wr.npy` to be an .npy file (starting with \\x93NUMPY), found "row_id,l"');
    expect(() => parseNpy(new Uint8Array(0), 'e.npy')).toThrow('found an empty file');
  });

  it('refuses unsupported dtypes', () => {
    expect(() => parseNpy(npyBytes([1, 2], [1], { dtype: 'c8' }), 'c.npy')).toThrow(
      "Expected `c.npy` to have dtype float32, float64, uint8, int32 or int64, found '<c8'",
    );
    expect(() => parseNpy(npyBytes([1], [1], { dtype: 'b1', order: '|' }), 'b.npy')).toThrow("found '|b1'");
  });

  it('refuses truncated data and extra bytes with the byte counts', () => {
    expect(() => parseNpy(npyBytes(values, [2, 3], { truncate: 5 }), 'x_train_sp.npy')).toThrow(
      'Expected `x_train_sp.npy` to hold 24 bytes of float32 data for shape [2,3], found 19 (the file is truncated)',
    );
    expect(() => parseNpy(npyBytes(values, [2, 3], { append: 4 }), 'a.npy')).toThrow('found 28 (extra bytes follow the array)');
  });

  it('says a file cut inside its first bytes is a truncated npy file, not one that lacks the \\x93NUMPY start', () => {
    const full = npyBytes(values, [6]);
    expect(() => parseNpy(full.subarray(0, 9), 'x.npy')).toThrow('Expected `x.npy` to hold an npy header of at least 10 bytes, found a truncated file of 9 bytes');
    expect(() => parseNpy(full.subarray(0, 3), 'x.npy')).toThrow('Expected `x.npy` to hold an npy header of at least 10 bytes, found a truncated file of 3 bytes');
    expect(() => parseNpy(npyBytes(values, [6], { version: 2 }).subarray(0, 11), 'x.npy')).toThrow('Expected `x.npy` to hold an npy header of at least 12 bytes, found a truncated file of 11 bytes');
    expect(() => parseNpy(Uint8Array.from([0x93, 0x4e, 0x55, 0x4c]), 'x.npy')).toThrow('Expected `x.npy` to be an .npy file (starting with \\x93NUMPY), found "\\x93NUL"');
  });

  it('says a structured dtype (named fields) is one, and unsupported', () => {
    const header = "{'descr': [('a', '<f4', (2,)), ('b', '<i4')], 'fortran_order': False, 'shape': (3,), }";
    expect(() => parseNpy(npyBytes([], [0], { rawHeader: header }), 's.npy')).toThrow(
      "Expected `s.npy` to have dtype float32, float64, uint8, int32 or int64, found the structured dtype [('a', '<f4', (2,)), ('b', '<i4')] (named fields; unsupported)",
    );
  });

  it('refuses a truncated header and a header without a shape', () => {
    const full = npyBytes(values, [6]);
    expect(() => parseNpy(full.subarray(0, 30), 't.npy')).toThrow(/Expected `t.npy` to hold a \d+-byte npy header, found a truncated file of 30 bytes/);
    expect(() => parseNpy(npyBytes([], [0], { rawHeader: "{'descr': '<f4'}" }), 'h.npy')).toThrow("Expected `h.npy` to have an npy header with 'descr', 'fortran_order' and 'shape'");
  });
});

describe('readNpy()', () => {
  it('reads a file and names a missing one', () => {
    const tmp = makeTempDir();
    try {
      const path = join(tmp.dir, 'a.npy');
      writeFileSync(path, npyBytes(values, [3, 2], { dtype: 'f8' }));
      expect(readNpy(path)).toMatchObject({ shape: [3, 2], dtype: 'float64' });
      expect(() => readNpy(join(tmp.dir, 'nope.npy'))).toThrow(`Expected \`${join(tmp.dir, 'nope.npy')}\` to be an .npy file, found no such file`);
      expect(() => readNpy(tmp.dir)).toThrow(`Expected \`${tmp.dir}\` to be an .npy file, found a folder`);
    } finally {
      tmp.cleanup();
    }
  });
});

describe('fortranToC()', () => {
  it('reorders a 3-D column-major array', () => {
    const shape = [2, 3, 4];
    // Column-major: the first index varies fastest.
    const f = new Float32Array(24);
    for (let k = 0; k < 4; k++) for (let j = 0; j < 3; j++) for (let i = 0; i < 2; i++) f[i + 2 * j + 6 * k] = 100 * i + 10 * j + k;
    const c = fortranToC(f, shape);
    for (let i = 0; i < 2; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 4; k++) expect(c[i * 12 + j * 4 + k]).toBe(100 * i + 10 * j + k);
  });
});
