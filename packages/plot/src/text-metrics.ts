import { readFileSync } from 'node:fs';
import * as opentype from 'opentype.js';

/** Where the charts' font is on Debian/Ubuntu (fonts-dejavu-core), regular and bold. */
export const DEJAVU_FILES = {
  regular: '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  bold: '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf',
} as const;

/** Advance width of a character in ems (0 for one the font lacks: its fallback is not known). */
export type AdvanceOf = (codePoint: number) => number;

/**
 * Advance widths of a TrueType font's characters (opentype.js reads the font). Throws on a file that
 * is not such a font.
 */
export function fontAdvances(ttf: Uint8Array): AdvanceOf {
  let font: opentype.Font;
  try {
    font = opentype.parse(ttf.buffer.slice(ttf.byteOffset, ttf.byteOffset + ttf.byteLength) as ArrayBuffer);
  } catch (e) {
    throw new Error(`Expected a TrueType font, found something else (${(e as Error).message})`);
  }
  const cache = new Map<number, number>();
  return (codePoint) => {
    let width = cache.get(codePoint);
    if (width === undefined) {
      const glyph = font.charToGlyph(String.fromCodePoint(codePoint));
      width = glyph.index === 0 ? 0 : (glyph.advanceWidth ?? 0) / font.unitsPerEm;
      cache.set(codePoint, width);
    }
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
