import type { TopLevelSpec } from '@digitfuse/plot';
import { IMAGE_SIDE, IMAGE_SIZE } from '../types';

/** Options for {@link digitsGridSpec}. */
export interface DigitsGridOptions {
  /** Images per row of the grid. Default 10. */
  readonly columns?: number;
  /** Pixel value that is full black (255 for 0..255 images, 1 for [0,1]). Default 255. */
  readonly maxValue?: number;
  /** Chart title. Default 'Handwritten digits with their labels'. */
  readonly title?: string;
}

/**
 * A Vega-Lite spec drawing images `rows` of `images` ([n,784]) as a captioned grid, like the
 * paper's Figure 1: one facet per image titled with its label and row.
 */
export function digitsGridSpec(images: Float32Array, labels: Int32Array, rows: readonly number[], options: DigitsGridOptions = {}): TopLevelSpec {
  const maxValue = options.maxValue ?? 255;
  const values: { k: number; caption: string; c: number; c2: number; r: number; r2: number; v: number }[] = [];
  rows.forEach((row, k) => {
    const caption = `label ${labels[row]} (row ${row})`;
    for (let p = 0; p < IMAGE_SIZE; p++) {
      const v = images[row * IMAGE_SIZE + p];
      // Zero pixels are the white background: leaving them out keeps the SVG small.
      if (v <= 0) continue;
      const c = p % IMAGE_SIDE;
      const r = Math.floor(p / IMAGE_SIDE);
      values.push({ k, caption, c, c2: c + 1, r, r2: r + 1, v });
    }
  });
  const scale = { domain: [0, IMAGE_SIDE], nice: false, zero: false };
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v5.json',
    title: options.title ?? 'Handwritten digits with their labels',
    data: { values },
    columns: options.columns ?? 10,
    facet: { field: 'caption', type: 'nominal', sort: { field: 'k', op: 'min' }, header: { title: null, labelFontSize: 12, labelPadding: 4 } },
    spacing: 10,
    spec: {
      width: 84,
      height: 84,
      view: { stroke: '#bbbbbb' },
      mark: { type: 'rect' },
      encoding: {
        x: { field: 'c', type: 'quantitative', scale, axis: null },
        x2: { field: 'c2' },
        y: { field: 'r', type: 'quantitative', scale: { ...scale, reverse: true }, axis: null },
        y2: { field: 'r2' },
        color: {
          field: 'v',
          type: 'quantitative',
          scale: { scheme: 'greys', domain: [0, maxValue] },
          legend: { title: maxValue === 1 ? 'pixel (0..1)' : 'pixel (0..255)', gradientLength: 120 },
        },
      },
    },
  } as TopLevelSpec;
}
