import { Resvg } from '@resvg/resvg-js';
import * as vega from 'vega';
import * as vegaLite from 'vega-lite';
import type { TopLevelSpec } from 'vega-lite';
import { dejaVuTextWidth } from './text-metrics';

let textMeasured = false;

/**
 * Lays text out by the width it has in the font resvg draws it in (vega supports a user-defined
 * `textMetrics.width`, as vl-convert does), not vega's canvas-less estimate of 0.8 em a character.
 * Done at the first render, not on import: reading the two fonts takes about 0.3 s, which every
 * process that imports this package (a search worker, the dashboard) would pay without drawing.
 */
function measureText(): void {
  if (textMeasured) return;
  textMeasured = true;
  const measured = dejaVuTextWidth();
  if (measured) (vega as unknown as { textMetrics: { width: typeof measured } }).textMetrics.width = measured;
}

/** Pixel scale of a PNG relative to its chart's size, unless told otherwise (crisp on high-DPI screens). */
export const PNG_SCALE = 2;

/** Options for rendering a chart. */
export interface RenderOptions {
  /** Pixel scale of the PNG relative to the SVG's size. Default 2 (crisp on high-DPI screens). */
  readonly scale?: number;
  /** Background colour. Default white. */
  readonly background?: string;
}

/** Default look shared by every chart: readable fonts, white background. */
const BASE_CONFIG = {
  font: 'DejaVu Sans',
  background: 'white',
  // At least 6 px between axis labels (vega drops every other one otherwise): with text measured
  // exactly, a flush first label could sit against the next ('0.000.02').
  axis: { labelFontSize: 11, titleFontSize: 12, labelSeparation: 6 },
  legend: { labelFontSize: 11, titleFontSize: 12 },
  title: { fontSize: 14 },
} as const;

/** Render a Vega-Lite spec to an SVG string (headless, no browser). */
export async function renderSvg(spec: TopLevelSpec, options: RenderOptions = {}): Promise<string> {
  measureText();
  const withConfig = {
    ...spec,
    config: { ...BASE_CONFIG, background: options.background ?? 'white', ...(spec.config ?? {}) },
  } as TopLevelSpec;
  const compiled = vegaLite.compile(withConfig).spec;
  const view = new vega.View(vega.parse(compiled), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/** Convert an SVG string to PNG bytes with resvg, using the system's fonts. */
export function svgToPng(svg: string, options: RenderOptions = {}): Buffer {
  const resvg = new Resvg(svg, {
    fitTo: { mode: 'zoom', value: options.scale ?? PNG_SCALE },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
    background: options.background ?? 'white',
  });
  return resvg.render().asPng();
}

/** Render a Vega-Lite spec to PNG bytes. */
export async function renderPng(spec: TopLevelSpec, options: RenderOptions = {}): Promise<Buffer> {
  return svgToPng(await renderSvg(spec, options), options);
}
