import { closeSync, openSync, readFileSync, readSync, writeSync } from 'node:fs';
import { writeFileAtomicWith } from '@digitfuse/core';

/**
 * A compact binary container for typed arrays plus a JSON header, in one file:
 * `DFCACHE1` | uint32 LE header length | header JSON | arrays, each at a 64-byte-aligned offset.
 * Reading maps every array as a view of the file's bytes (no per-element work).
 */
const MAGIC = 'DFCACHE1';
const ALIGN = 64;

/** Arrays a cache file can hold. */
export type CachedArray = Float32Array | Int32Array;

interface ArrayEntry {
  readonly type: 'f32' | 'i32';
  readonly offset: number;
  readonly length: number;
}

interface FileHeader<H> {
  readonly meta: H;
  readonly arrays: Record<string, ArrayEntry>;
  readonly size: number;
}

const align = (n: number): number => Math.ceil(n / ALIGN) * ALIGN;

/** Writes `meta` and `arrays` to `path` atomically (temp file + rename). */
export function writeBinaryCache<H>(path: string, meta: H, arrays: Record<string, CachedArray>): void {
  const names = Object.keys(arrays);
  // The header's length depends on the offsets it lists; the offsets depend on the header's length.
  // Reserve room by laying out with a generous guess, then fixing it.
  let reserve = align(4096);
  for (;;) {
    let offset = reserve;
    const entries: Record<string, ArrayEntry> = {};
    for (const name of names) {
      const a = arrays[name];
      entries[name] = { type: a instanceof Float32Array ? 'f32' : 'i32', offset, length: a.length };
      offset = align(offset + a.byteLength);
    }
    const header: FileHeader<H> = { meta, arrays: entries, size: offset };
    const json = Buffer.from(JSON.stringify(header), 'utf8');
    if (12 + json.length > reserve) {
      reserve = align(12 + json.length);
      continue;
    }
    writeFileParts(path, json, reserve, names.map((n) => ({ offset: entries[n].offset, bytes: arrays[n] })), offset);
    return;
  }
}

function writeFileParts(path: string, json: Buffer, dataStart: number, parts: { offset: number; bytes: CachedArray }[], size: number): void {
  writeFileAtomicWith(path, (fd) => {
    const head = Buffer.alloc(dataStart);
    head.write(MAGIC, 0, 'latin1');
    head.writeUInt32LE(json.length, 8);
    json.copy(head, 12);
    writeSync(fd, head, 0, head.length, 0);
    for (const { offset, bytes } of parts) {
      const view = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      let done = 0;
      while (done < view.length) done += writeSync(fd, view, done, view.length - done, offset + done);
    }
    // Pad to the declared size so a truncated file is detectable by its length.
    if (size > 0) writeSync(fd, Buffer.alloc(1), 0, 1, size - 1);
  });
}

/** A cache file's header and its arrays (views of the file's bytes). */
export interface BinaryCache<H> {
  readonly meta: H;
  readonly arrays: Record<string, CachedArray>;
}

/** Reads just the header of a cache file; null when absent or not a cache file. */
export function readBinaryCacheMeta<H>(path: string): H | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const first = Buffer.alloc(12);
    if (readSync(fd, first, 0, 12, 0) !== 12 || first.toString('latin1', 0, 8) !== MAGIC) return null;
    const len = first.readUInt32LE(8);
    const json = Buffer.alloc(len);
    if (readSync(fd, json, 0, len, 12) !== len) return null;
    return (JSON.parse(json.toString('utf8')) as FileHeader<H>).meta;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Reads a cache file; null when it is absent, truncated or not a cache file. */
export function readBinaryCache<H>(path: string): BinaryCache<H> | null {
  let bytes: Buffer;
  try {
    bytes = readFileSync(path);
  } catch {
    return null;
  }
  if (bytes.length < 12 || bytes.toString('latin1', 0, 8) !== MAGIC) return null;
  if (bytes.byteOffset % ALIGN !== 0) bytes = Buffer.from(new Uint8Array(bytes).buffer); // pooled small buffer: realign
  let header: FileHeader<H>;
  try {
    const len = bytes.readUInt32LE(8);
    header = JSON.parse(bytes.toString('utf8', 12, 12 + len)) as FileHeader<H>;
  } catch {
    return null;
  }
  if (header.size !== bytes.length) return null;
  const arrays: Record<string, CachedArray> = {};
  for (const [name, e] of Object.entries(header.arrays)) {
    const start = bytes.byteOffset + e.offset;
    if (e.offset + e.length * 4 > bytes.length) return null;
    arrays[name] = e.type === 'f32' ? new Float32Array(bytes.buffer, start, e.length) : new Int32Array(bytes.buffer, start, e.length);
  }
  return { meta: header.meta, arrays };
}
