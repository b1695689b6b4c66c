/**
 * Hand-written .npy bytes for tests: independent of npyjs and of the reader under test, and able
 * to produce the broken files a user might have (wrong magic, truncated, odd dtypes, big-endian,
 * Fortran order, misaligned headers).
 */
export interface NpyBytesOptions {
  /** numpy type code without byte order: f4, f8, u1, i4, i8, or anything else to write verbatim. Default f4. */
  readonly dtype?: string;
  /** Byte-order character: '<', '>', '|' or '='. Default '<' ('|' for u1). */
  readonly order?: '<' | '>' | '|' | '=';
  /** Write the header as Fortran order; `values` are then taken to be in column-major order. Default false. */
  readonly fortranOrder?: boolean;
  /** Format version 1 (2-byte header length) or 2 (4-byte). Default 1. */
  readonly version?: 1 | 2;
  /** Extra spaces in the header: a value that breaks alignment tests realignment. Default 0. */
  readonly extraHeaderSpaces?: number;
  /** Bytes cut from the end of the file. Default 0. */
  readonly truncate?: number;
  /** Bytes appended after the data. Default 0. */
  readonly append?: number;
  /** The header dictionary to write instead of the generated one. */
  readonly rawHeader?: string;
}

const SIZES: Record<string, number> = { f4: 4, f8: 8, u1: 1, i4: 4, i8: 8, c8: 8, b1: 1, i2: 2 };

/** Builds .npy bytes holding `values` with `shape` (see {@link NpyBytesOptions}). */
export function npyBytes(values: ArrayLike<number>, shape: readonly number[], options: NpyBytesOptions = {}): Uint8Array {
  const dtype = options.dtype ?? 'f4';
  const order = options.order ?? (dtype === 'u1' ? '|' : '<');
  const size = SIZES[dtype] ?? 4;
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  const dict = options.rawHeader ?? `{'descr': '${order}${dtype}', 'fortran_order': ${options.fortranOrder ? 'True' : 'False'}, 'shape': ${shapeText}, }`;
  const version = options.version ?? 1;
  const prefix = version === 1 ? 10 : 12;
  const unpadded = prefix + dict.length + 1;
  const header = dict + ' '.repeat((64 - (unpadded % 64)) % 64 + (options.extraHeaderSpaces ?? 0)) + '\n';
  const data = new Uint8Array(values.length * size);
  const view = new DataView(data.buffer);
  const little = order !== '>';
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    const at = i * size;
    switch (dtype) {
      case 'f4':
        view.setFloat32(at, v, little);
        break;
      case 'f8':
      case 'c8':
        view.setFloat64(at, v, little);
        break;
      case 'u1':
      case 'b1':
        view.setUint8(at, v);
        break;
      case 'i2':
        view.setInt16(at, v, little);
        break;
      case 'i8':
        view.setBigInt64(at, BigInt(v), little);
        break;
      default:
        view.setInt32(at, v, little);
    }
  }
  const total = prefix + header.length + data.length + (options.append ?? 0);
  const out = new Uint8Array(total);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const dv = new DataView(out.buffer);
  if (version === 1) dv.setUint16(8, header.length, true);
  else dv.setUint32(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  out.set(data, prefix + header.length);
  return out.subarray(0, total - (options.truncate ?? 0));
}
