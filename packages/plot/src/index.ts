export { PNG_SCALE, renderSvg, renderPng, svgToPng, type RenderOptions } from './render';
export { writeChartPng } from './write';
export { writeFileAtomic } from '@digitfuse/core';
export type { TopLevelSpec } from 'vega-lite';
