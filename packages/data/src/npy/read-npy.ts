import { counted } from '@digitfuse/core';
import { readInputFile } from '../read-input';
import { basename } from 'node:path';
import { parse as npyParse } from 'npyjs';
import { DataError } from '../errors';

/** An npy array converted to float32, row-major (C order). */
export interface NpyFloat32 {
  readonly data: Float32Array;
  readonly shape: number[];
  /** The file's dtype as numpy names it (`float32`, `uint8`, ...). */
  readonly dtype: NpyDtypeName;
}

/** The dtypes this reader accepts; every one is converted to float32. */
export type NpyDtypeName = 'float32' | 'float64' | 'uint8' | 'int32' | 'int64';

const DTYPES: Readonly<Record<string, { name: NpyDtypeName; size: number }>> = {
  f4: { name: 'float32', size: 4 },
  f8: { name: 'float64', size: 8 },
  u1: { name: 'uint8', size: 1 },
  i4: { name: 'int32', size: 4 },
  i8: { name: 'int64', size: 8 },
};

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** Formats a shape the way messages show it: `[60000,784]`. */
export function formatShape(shape: readonly (number | string)[]): string {
  return `[${shape.join(',')}]`;
}

/**
 * Reads an .npy file into a float32 array. Accepts float32, float64, uint8, int32 and int64 in
 * either byte order; Fortran-order arrays are transposed to row-major. Throws a {@link DataError}
 * naming the file for a missing file, a file that is not npy, an unsupported dtype, or data that is
 * shorter or longer than the header's shape says.
 */
export function readNpy(path: string): NpyFloat32 {
  const bytes = readInputFile(path, 'an .npy file');
  return parseNpy(bytes, basename(path), path);
}

interface NpyHeader {
  readonly descr: string;
  readonly fortranOrder: boolean;
  readonly shape: number[];
  readonly dataOffset: number;
}

function readHeader(bytes: Uint8Array, name: string, file: string | undefined): NpyHeader {
  const notNpy = (found: string): DataError =>
    new DataError(`Expected \`${name}\` to be an .npy file (starting with \\x93NUMPY), found ${found}`, file);
  // A file that starts as the magic string does but stops before its end is a truncated npy file, not another kind.
  if (bytes.length === 0 || MAGIC.some((b, i) => i < bytes.length && bytes[i] !== b)) {
    const head = Array.from(bytes.subarray(0, 8), (b) => (b >= 32 && b < 127 ? String.fromCharCode(b) : `\\x${b.toString(16).padStart(2, '0')}`)).join('');
    throw notNpy(bytes.length === 0 ? 'an empty file' : `"${head}"${packedKind(bytes)}`);
  }
  const truncated = (headerEnd: number): DataError =>
    new DataError(`Expected \`${name}\` to hold an npy header of at least ${headerEnd} bytes, found a truncated file of ${counted(bytes.length, 'byte')}`, file);
  if (bytes.length < 8) throw truncated(10);
  const major = bytes[6];
  if (major < 1 || major > 3) throw notNpy(`format version ${major}.${bytes[7]}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const lenBytes = major === 1 ? 2 : 4;
  if (bytes.length < 8 + lenBytes) throw truncated(8 + lenBytes);
  const headerLen = major === 1 ? view.getUint16(8, true) : view.getUint32(8, true);
  const headerStart = 8 + lenBytes;
  const dataOffset = headerStart + headerLen;
  if (dataOffset > bytes.length) {
    throw new DataError(`Expected \`${name}\` to hold a ${headerLen}-byte npy header, found a truncated file of ${counted(bytes.length, 'byte')}`, file);
  }
  const text = new TextDecoder('latin1').decode(bytes.subarray(headerStart, dataOffset));
  // A structured dtype's descr is a list of fields (`[('x', '<f4'), ...]`): no array of numbers.
  const fields = /'descr'\s*:\s*(\[.*?\])\s*,\s*'(?:fortran_order|shape)'/.exec(text)?.[1] ?? /'descr'\s*:\s*(\[[^\]]*\])/.exec(text)?.[1];
  if (fields !== undefined) {
    throw new DataError(`Expected \`${name}\` to have dtype float32, float64, uint8, int32 or int64, found the structured dtype ${fields.slice(0, 80)} (named fields; unsupported)`, file);
  }
  const descr = /'descr'\s*:\s*'([^']*)'/.exec(text)?.[1];
  const fortran = /'fortran_order'\s*:\s*(True|False)/.exec(text)?.[1];
  const shapeText = /'shape'\s*:\s*\(([^)]*)\)/.exec(text)?.[1];
  if (descr === undefined || fortran === undefined || shapeText === undefined) {
    throw new DataError(`Expected \`${name}\` to have an npy header with 'descr', 'fortran_order' and 'shape', found ${JSON.stringify(text.trim())}`, file);
  }
  const parts = shapeText.split(',').map((s) => s.trim()).filter((s) => s.length > 0);
  const shape = parts.map(Number);
  if (shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new DataError(`Expected \`${name}\` to have a shape of non-negative integers, found (${shapeText})`, file);
  }
  return { descr, fortranOrder: fortran === 'True', shape, dataOffset };
}

/**
 * What a file that is no npy file is, when its first bytes say it is an archive an .npy file is often
 * kept in: ` (a zip archive: an .npz? save the one array with numpy.save)`, ` (gzip-compressed:
 * decompress it)`; '' otherwise.
 */
function packedKind(bytes: Uint8Array): string {
  if (bytes[0] === 0x50 && bytes[1] === 0x4b && bytes[2] === 0x03 && bytes[3] === 0x04) return ' (a zip archive: an .npz? save the one array with numpy.save)';
  if (bytes[0] === 0x1f && bytes[1] === 0x8b) return ' (gzip-compressed: decompress it)';
  return '';
}

/** Parses npy bytes (see {@link readNpy}); `name` is used in messages. */
export function parseNpy(bytes: Uint8Array, name: string, file?: string): NpyFloat32 {
  const header = readHeader(bytes, name, file);
  const order = header.descr[0];
  const code = header.descr.slice(1);
  const dtype = DTYPES[code];
  if (dtype === undefined || !'<>|='.includes(order)) {
    throw new DataError(`Expected \`${name}\` to have dtype float32, float64, uint8, int32 or int64, found '${header.descr}'`, file);
  }
  const count = header.shape.reduce((a, b) => a * b, 1);
  const expected = count * dtype.size;
  const found = bytes.length - header.dataOffset;
  if (found !== expected) {
    const why = found < expected ? 'the file is truncated' : 'extra bytes follow the array';
    throw new DataError(
      `Expected \`${name}\` to hold ${expected} bytes of ${dtype.name} data for shape ${formatShape(header.shape)}, found ${found} (${why})`,
      file,
    );
  }
  const bigEndian = order === '>' && dtype.size > 1;
  const littleOrder = order === '>' || order === '=' ? '<' : order;
  const raw = toNpyjsBuffer(bytes, header, `${littleOrder}${code}`, dtype.size, bigEndian);
  const parsed = npyParse(raw);
  let data = toFloat32(parsed.data, dtype.name);
  if (header.fortranOrder && header.shape.length > 1) data = fortranToC(data, header.shape);
  return { data, shape: header.shape, dtype: dtype.name };
}

/**
 * An ArrayBuffer npyjs can parse directly: the file itself when it is little-endian and aligned,
 * otherwise a copy with a rewritten little-endian header (padded to 64 bytes) and swapped bytes.
 */
function toNpyjsBuffer(bytes: Uint8Array, header: NpyHeader, descr: string, itemSize: number, bigEndian: boolean): ArrayBuffer {
  const plain = header.dataOffset % itemSize === 0 && descr === header.descr && !bigEndian;
  if (plain && bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength && bytes.buffer instanceof ArrayBuffer) {
    return bytes.buffer;
  }
  if (plain) {
    // A view into a larger (e.g. pooled) buffer: copy the file's bytes into a buffer of their own.
    const copy = new Uint8Array(bytes.length);
    copy.set(bytes);
    return copy.buffer;
  }
  const dict = `{'descr': '${descr}', 'fortran_order': ${header.fortranOrder ? 'True' : 'False'}, 'shape': (${header.shape.join(', ')}${header.shape.length === 1 ? ',' : ''}), }`;
  const unpadded = 10 + dict.length + 1;
  const padded = Math.ceil(unpadded / 64) * 64;
  const headerText = dict + ' '.repeat(padded - unpadded) + '\n';
  const dataLength = bytes.length - header.dataOffset;
  const out = new Uint8Array(padded + dataLength);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, headerText.length, true);
  for (let i = 0; i < headerText.length; i++) out[10 + i] = headerText.charCodeAt(i);
  out.set(bytes.subarray(header.dataOffset), padded);
  if (bigEndian) {
    for (let p = padded; p < out.length; p += itemSize) out.subarray(p, p + itemSize).reverse();
  }
  return out.buffer;
}

function toFloat32(data: ArrayBufferView, dtype: NpyDtypeName): Float32Array {
  if (data instanceof Float32Array) return data;
  if (data instanceof Float64Array || data instanceof Uint8Array || data instanceof Int32Array) return new Float32Array(data);
  if (dtype === 'int64' && data instanceof BigInt64Array) {
    // Combine the 32-bit halves instead of going through BigInt: far faster on large arrays.
    const words = new Int32Array(data.buffer, data.byteOffset, data.length * 2);
    const out = new Float32Array(data.length);
    for (let i = 0; i < data.length; i++) out[i] = words[2 * i + 1] * 4294967296 + (words[2 * i] >>> 0);
    return out;
  }
  throw new DataError(`Unexpected array type ${data.constructor.name} for dtype ${dtype}`);
}

/** Reorders a Fortran-order (column-major) array of `shape` into row-major order. */
export function fortranToC(data: Float32Array, shape: readonly number[]): Float32Array {
  const out = new Float32Array(data.length);
  const rank = shape.length;
  if (rank === 2) {
    const [rows, cols] = shape;
    for (let c = 0; c < cols; c++) {
      const src = c * rows;
      for (let r = 0; r < rows; r++) out[r * cols + c] = data[src + r];
    }
    return out;
  }
  const index = new Array<number>(rank).fill(0);
  const cStrides = new Array<number>(rank);
  let stride = 1;
  for (let d = rank - 1; d >= 0; d--) {
    cStrides[d] = stride;
    stride *= shape[d];
  }
  // Walk the Fortran-ordered source sequentially: the first index varies fastest.
  for (let f = 0; f < data.length; f++) {
    let c = 0;
    for (let d = 0; d < rank; d++) c += index[d] * cStrides[d];
    out[c] = data[f];
    for (let d = 0; d < rank; d++) {
      if (++index[d] < shape[d]) break;
      index[d] = 0;
    }
  }
  return out;
}
