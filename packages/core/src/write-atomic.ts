import { mkdirSync, promises as fs } from 'node:fs';
import { dirname } from 'node:path';
import writeFileAtomicLib from 'write-file-atomic';

/**
 * Writes a file atomically (npm `write-file-atomic`: a temporary file beside the target, flushed,
 * then renamed over it), creating the parent folders: no reader ever sees a half-written file, and
 * an earlier version stays intact until the new one is complete.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFileAtomicLib.sync(path, toBuffer(data));
}

/** {@link writeFileAtomic} without blocking the event loop. */
export async function writeFileAtomicAsync(path: string, data: string | Uint8Array): Promise<void> {
  await fs.mkdir(dirname(path), { recursive: true });
  await writeFileAtomicLib(path, toBuffer(data));
}

/** The library writes `data.length` elements of a typed array: hand it bytes. */
const toBuffer = (data: string | Uint8Array): string | Buffer =>
  typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength);
