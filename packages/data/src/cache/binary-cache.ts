import { createHash } from 'node:crypto';
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { writeFileAtomicWith } from '@digitfuse/core';

/**
 * A compact binary container for typed arrays plus a JSON header, in one file:
 * `DFCACHE2` | uint32 LE header length | sha256 (32 bytes) | header JSON | arrays, each at a
 * 64-byte-aligned offset. The sha256 is of the header length and of every byte from the header on,
 * so one flipped bit anywhere after the magic is noticed on load. Reading maps every array as a
 * view of the file's bytes (no per-element work). Files of the first layout (`DFCACHE1`, no
 * checksum) are recognised, and reported as such, never used.
 */
const MAGIC = 'DFCACHE2';
/** The layout before the checksum: same, less the 32 bytes of sha256. */
const MAGIC_V1 = 'DFCACHE1';
const ALIGN = 64;
const DIGEST_AT = 12;
const DIGEST_BYTES = 32;
/** Where the header JSON starts. */
const HEADER_AT = DIGEST_AT + DIGEST_BYTES;

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
    if (HEADER_AT + json.length > reserve) {
      reserve = align(HEADER_AT + json.length);
      continue;
    }
    writeFileParts(path, json, reserve, names.map((n) => ({ offset: entries[n].offset, bytes: arrays[n] })), offset);
    return;
  }
}

function writeFileParts(path: string, json: Buffer, dataStart: number, parts: { offset: number; bytes: CachedArray }[], size: number): void {
  const head = Buffer.alloc(dataStart);
  head.write(MAGIC, 0, 'latin1');
  head.writeUInt32LE(json.length, 8);
  json.copy(head, HEADER_AT);
  // The digest of the bytes as they lie in the file: the length, the header and its padding, each
  // array and the zeros between them (and up to the declared size).
  const hash = createHash('sha256');
  hash.update(head.subarray(8, DIGEST_AT));
  hash.update(head.subarray(HEADER_AT));
  let at = dataStart;
  // Where the bytes written end: the padding byte goes after it only (an array ending on the 64-byte
  // boundary ends the file; a zero written over its last byte broke its last number).
  let end = dataStart;
  const views = parts.map(({ offset, bytes }) => ({ offset, view: new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength) }));
  for (const { offset, view } of views) {
    if (offset > at) hash.update(Buffer.alloc(offset - at));
    hash.update(view);
    at = offset + view.length;
    if (view.length > 0) end = at;
  }
  if (size > at) hash.update(Buffer.alloc(size - at));
  hash.digest().copy(head, DIGEST_AT);
  writeFileAtomicWith(path, (fd) => {
    writeSync(fd, head, 0, head.length, 0);
    for (const { offset, view } of views) {
      let done = 0;
      while (done < view.length) done += writeSync(fd, view, done, view.length - done, offset + done);
    }
    // Pad to the declared size so a truncated file is detectable by its length.
    if (size > end) writeSync(fd, Buffer.alloc(1), 0, 1, size - 1);
  });
}

/** A cache file's header and its arrays (views of the file's bytes). */
export interface BinaryCache<H> {
  readonly meta: H;
  readonly arrays: Record<string, CachedArray>;
}

/**
 * What {@link readBinaryCache} found: the cache, or why a file that is one of this tool's caches
 * cannot be used (`problem`, a phrase: "fails its checksum (damaged on disk?)"), or neither (both
 * null) when the file is absent or no cache file at all.
 */
export type BinaryCacheRead<H> = { readonly cache: BinaryCache<H>; readonly problem: null } | { readonly cache: null; readonly problem: string | null };

/** Reads just the header of a cache file (of either layout, unchecked); null when absent or not a cache file. */
export function readBinaryCacheMeta<H>(path: string): H | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  try {
    const first = Buffer.alloc(12);
    if (readSync(fd, first, 0, 12, 0) !== 12) return null;
    const start = headerStart(first);
    if (start === null) return null;
    const len = first.readUInt32LE(8);
    const json = Buffer.alloc(len);
    if (readSync(fd, json, 0, len, start) !== len) return null;
    return (JSON.parse(json.toString('utf8')) as FileHeader<H>).meta;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/** Where the header JSON of a file starting with `first` lies; null when it is no cache file. */
function headerStart(first: Buffer): number | null {
  const magic = first.toString('latin1', 0, 8);
  return magic === MAGIC ? HEADER_AT : magic === MAGIC_V1 ? 12 : null;
}

const none = { cache: null, problem: null } as const;
const damaged = (problem: string) => ({ cache: null, problem }) as const;

/**
 * Reads a cache file and checks it against its sha256; see {@link BinaryCacheRead} for what comes
 * back for an absent, foreign, truncated, corrupt or old (checksum-less) file.
 */
export function readBinaryCache<H>(path: string): BinaryCacheRead<H> {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return none;
  }
  let bytes: Buffer;
  let digest: Buffer;
  try {
    const size = fstatSync(fd).size;
    // An ArrayBuffer of its own (never a pooled slice), so each array's view is 64-byte aligned; read
    // as readFileSync reads, in as few calls as the system allows (chunks of a few MiB were slower).
    bytes = Buffer.allocUnsafeSlow(size);
    let done = 0;
    while (done < size) {
      const n = readSync(fd, bytes, done, Math.min(size - done, 1 << 30), done);
      if (n === 0) break;
      done += n;
    }
    bytes = bytes.subarray(0, done);
    const hash = createHash('sha256');
    if (done >= HEADER_AT && bytes.toString('latin1', 0, 8) === MAGIC) hash.update(bytes.subarray(8, DIGEST_AT)).update(bytes.subarray(HEADER_AT));
    digest = hash.digest();
  } catch {
    return none;
  } finally {
    closeSync(fd);
  }
  if (bytes.length < 12) return none;
  const start = headerStart(bytes);
  if (start === null) return none;
  if (start !== HEADER_AT) return damaged('has no checksum (an older version wrote it)');
  if (bytes.length < HEADER_AT) return damaged(`is cut short (${bytes.length} bytes)`);
  let header: FileHeader<H> | null = null;
  try {
    const len = bytes.readUInt32LE(8);
    header = JSON.parse(bytes.toString('utf8', HEADER_AT, HEADER_AT + len)) as FileHeader<H>;
  } catch {
    // A damaged header: the checksum below says so.
  }
  if (!header || !digest.equals(bytes.subarray(DIGEST_AT, HEADER_AT))) {
    const declared = header?.size;
    const cut = typeof declared === 'number' && declared !== bytes.length;
    return damaged(cut ? `is cut short or overlong (${bytes.length} bytes, its header says ${declared})` : 'fails its checksum (damaged on disk?)');
  }
  const arrays: Record<string, CachedArray> = {};
  for (const [name, e] of Object.entries(header.arrays)) {
    const start = bytes.byteOffset + e.offset;
    if (e.offset + e.length * 4 > bytes.length) return damaged(`lists array \`${name}\` past its end`);
    arrays[name] = e.type === 'f32' ? new Float32Array(bytes.buffer, start, e.length) : new Int32Array(bytes.buffer, start, e.length);
  }
  return { cache: { meta: header.meta, arrays }, problem: null };
}
