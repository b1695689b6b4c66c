export { renderSvg, renderPng, svgToPng, type RenderOptions } from './render';
export { writeChartPng, writeFileAtomic } from './write';
export type { TopLevelSpec } from 'vega-lite';
