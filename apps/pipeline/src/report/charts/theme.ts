/** Shared look of the report's charts. */

/** Ten distinct categorical colours (Tableau 10), one per digit / cluster. */
export const CATEGORY_SCHEME = 'tableau10';

/** Colours for train vs validation series. */
export const SPLIT_COLOURS = { train: '#4c78a8', validation: '#f58518' } as const;

/** Side of a square scatter / heatmap panel, in CSS pixels (PNG is rendered at 2x). */
export const PANEL_SIZE = 380;

/** Title config used by every chart: larger, left-aligned, with a readable subtitle. */
export const TITLE_CONFIG = { fontSize: 15, subtitleFontSize: 12, anchor: 'start', subtitleColor: '#444' } as const;

/** Legend config: readable labels and large symbols. */
export const LEGEND_CONFIG = { labelFontSize: 12, titleFontSize: 12, symbolSize: 120 } as const;

/**
 * Axis settings for whole numbers (trial numbers, epochs): with few of them, a tick exactly at each
 * (automatic ticks fall at halves, which the integer format shows twice: "1, 2, 2, 3, 3" for epochs
 * 1..3); with many, integer ticks at least 1 apart.
 */
export function integerAxis(values: Iterable<number>): { values?: number[]; tickMinStep?: number; format: 'd' } {
  const distinct = [...new Set(values)].sort((a, b) => a - b);
  return distinct.length <= 20 ? { values: distinct, format: 'd' } : { tickMinStep: 1, format: 'd' };
}

/**
 * A value axis's scale, not from zero: around the value when every point has the same one (one
 * finished trial, one epoch), which Vega otherwise labels with a rounded tick (a value of 0.8000 read
 * "1"); from the data otherwise.
 */
export function valueScale(values: readonly number[]): { zero: false; domain?: [number, number] } {
  if (values.length === 0 || values.some((v) => v !== values[0])) return { zero: false };
  const pad = Math.max(Math.abs(values[0]) * 0.05, 0.01);
  return { zero: false, domain: [round(values[0] - pad, 6), round(values[0] + pad, 6)] };
}

/** Round to `digits` decimals (keeps the SVG small and the output deterministic to print). */
export function round(value: number, digits = 3): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/** Sorted distinct values of an integer labeling. */
export function distinctSorted(values: ArrayLike<number>): number[] {
  return [...new Set(Array.from(values))].sort((a, b) => a - b);
}
