import { readFileSync } from 'node:fs';

/** Where the charts' font is on Debian/Ubuntu (fonts-dejavu-core), regular and bold. */
export const DEJAVU_FILES = {
  regular: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  bold: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
} as const;

/** Advance width of a character in ems (0 for one the font lacks: its fallback is not known). */
export type AdvanceOf = (codePoint: number) => number;

/**
 * Advance widths of a TrueType font's characters, read from its `cmap` (format 4: the Basic
 * Multilingual Plane) and `hmtx` tables. Throws on a file that is not such a font.
 */
export function fontAdvances(ttf: Uint8Array): AdvanceOf {
  const b = Buffer.from(ttf.buffer, ttf.byteOffset, ttf.byteLength);
  const tables = new Map<string, number>();
  for (let i = 0, n = b.readUInt16BE(4); i < n; i++) tables.set(b.toString('latin1', 12 + 16 * i, 16 + 16 * i), b.readUInt32BE(20 + 16 * i));
  const at = (tag: string): number => {
    const offset = tables.get(tag);
    if (offset === undefined) throw new Error(`Expected a TrueType font with a ${tag} table, found none`);
    return offset;
  };
  const unitsPerEm = b.readUInt16BE(at('head') + 18);
  const metrics = b.readUInt16BE(at('hhea') + 34);
  const hmtx = at('hmtx');
  const advance = (glyph: number) => b.readUInt16BE(hmtx + 4 * Math.min(glyph, metrics - 1)) / unitsPerEm;
  const cmap = at('cmap');
  let sub = -1;
  for (let i = 0, n = b.readUInt16BE(cmap + 2); i < n; i++) {
    const platform = b.readUInt16BE(cmap + 4 + 8 * i);
    const encoding = b.readUInt16BE(cmap + 6 + 8 * i);
    const offset = cmap + b.readUInt32BE(cmap + 8 + 8 * i);
    if (((platform === 3 && encoding === 1) || platform === 0) && b.readUInt16BE(offset) === 4) sub = offset;
  }
  if (sub < 0) throw new Error('Expected a TrueType font with a Unicode cmap of format 4, found none');
  const segments = b.readUInt16BE(sub + 6) / 2;
  const ends = sub + 14;
  const starts = ends + 2 * segments + 2;
  const deltas = starts + 2 * segments;
  const ranges = deltas + 2 * segments;
  const cache = new Map<number, number>();
  return (codePoint) => {
    const known = cache.get(codePoint);
    if (known !== undefined) return known;
    let width = 0;
    for (let s = 0; s < segments && codePoint <= 0xffff; s++) {
      if (codePoint > b.readUInt16BE(ends + 2 * s)) continue;
      const start = b.readUInt16BE(starts + 2 * s);
      if (codePoint < start) break;
      const range = b.readUInt16BE(ranges + 2 * s);
      const delta = b.readInt16BE(deltas + 2 * s);
      let glyph = 0;
      if (range === 0) glyph = (codePoint + delta) & 0xffff;
      else {
        const g = b.readUInt16BE(ranges + 2 * s + range + 2 * (codePoint - start));
        glyph = g === 0 ? 0 : (g + delta) & 0xffff;
      }
      width = glyph === 0 ? 0 : advance(glyph);
      break;
    }
    cache.set(codePoint, width);
    return width;
  };
}

/** What vega passes to `textMetrics.width`: a text mark's item. */
interface TextItem {
  readonly fontSize?: number;
  readonly fontWeight?: string | number;
}

/**
 * A `textMetrics.width` for vega from the charts' font: the width in pixels of one line of `text` in
 * `item`'s size and weight (bold for 'bold' or 600 and above). A character the font lacks counts as
 * wide as an 'M'. Null when the font files are not there (vega then keeps its own estimate, which
 * takes every character as 0.8 em: about 1.4 times too wide for DejaVu Sans, so charts came out
 * wider than their content with a blank band on the right, and shrank in the report).
 */
export function dejaVuTextWidth(files: { regular: string; bold: string } = DEJAVU_FILES): ((item: TextItem, text: string) => number) | null {
  let regular: AdvanceOf;
  let bold: AdvanceOf;
  try {
    regular = fontAdvances(readFileSync(files.regular));
    bold = fontAdvances(readFileSync(files.bold));
  } catch {
    return null;
  }
  return (item, text) => {
    const weight = item.fontWeight;
    const font = weight === 'bold' || weight === 'bolder' || (typeof weight === 'number' && weight >= 600) || (typeof weight === 'string' && Number(weight) >= 600) ? bold : regular;
    const wide = font(0x4d);
    let ems = 0;
    for (const ch of String(text ?? '')) ems += font(ch.codePointAt(0) ?? 0) || wide;
    return ems * (item.fontSize ?? 11);
  };
}
