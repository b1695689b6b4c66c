/** How many bytes at the start of a file {@link csvTextProblem} looks at for UTF-16 text without a byte-order mark. */
const SNIFF_BYTES = 512;

/**
 * Why `bytes` (a file's) are no UTF-8 text a CSV reader can take, in words that complete
 * ``Expected `y_train.csv` to be ..., found <words>``: `a UTF-16 file (save it as UTF-8)` for a
 * UTF-16 byte-order mark (FF FE or FE FF) or plain characters each beside a NUL byte (UTF-16 without
 * one), `binary data (NUL bytes, the first at offset N)` for any other NUL byte (an all-NUL file
 * among them); null when they may be text. A message quoting such a file's first line would show
 * only mojibake and NULs.
 */
export function csvTextProblem(bytes: Uint8Array): string | null {
  if (bytes.length >= 2 && ((bytes[0] === 0xff && bytes[1] === 0xfe) || (bytes[0] === 0xfe && bytes[1] === 0xff))) return 'a UTF-16 file (save it as UTF-8)';
  const nul = bytes.indexOf(0);
  if (nul < 0) return null;
  if (looksLikeUtf16(bytes.subarray(0, Math.min(bytes.length, SNIFF_BYTES) & ~1))) return 'a UTF-16 file (save it as UTF-8)';
  return `binary data (NUL bytes, the first at offset ${nul})`;
}

/** Whether every pair of `bytes` is one NUL and one other byte, the NUL on the same side throughout (ASCII as UTF-16 LE or BE). */
function looksLikeUtf16(bytes: Uint8Array): boolean {
  if (bytes.length < 2) return false;
  let nulFirst = 0;
  let nulSecond = 0;
  for (let i = 0; i < bytes.length; i += 2) {
    if (bytes[i] === 0 && bytes[i + 1] !== 0) nulFirst++;
    else if (bytes[i] !== 0 && bytes[i + 1] === 0) nulSecond++;
    else return false;
  }
  return nulFirst === 0 || nulSecond === 0;
}
