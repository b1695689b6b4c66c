import { dump } from 'npyjs';
import { writeFileAtomic } from '@digitfuse/core';

/** Encodes a typed array as .npy bytes (C order, little-endian) with npyjs. */
export function encodeNpy(data: Float32Array | Uint8Array | Int32Array | Float64Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== data.length) throw new RangeError(`shape [${shape.join(',')}] needs ${count} values, got ${data.length}`);
  return new Uint8Array(dump(data, [...shape]));
}

/** Writes a typed array as an .npy file, atomically. */
export function writeNpy(path: string, data: Float32Array | Uint8Array | Int32Array | Float64Array, shape: readonly number[]): void {
  writeFileAtomic(path, encodeNpy(data, shape));
}
