import { dirname, join } from 'node:path';

/** The page: index.html, app.js, style.css (served as they are). */
export const ASSETS_DIR = join(__dirname, 'assets');

/**
 * The report's own formatting of parameter values, which the page loads as `/format-param.js`
 * (before app.js) instead of a copy of the rule: plain JavaScript, served as it is.
 */
export const FORMAT_PARAM_JS = join(__dirname, '..', 'report', 'charts', 'format-param.js');

/**
 * The charting libraries the page loads, from this install's node_modules (never a CDN: the
 * dashboard works offline). URL name -> file.
 */
export function vendorFiles(): ReadonlyMap<string, string> {
  return new Map([
    ['vega.min.js', require.resolve('vega/build/vega.min.js')],
    ['vega-lite.min.js', require.resolve('vega-lite/build/vega-lite.min.js')],
    // vega-embed's exports map names only its ES module; the browser build lies beside it.
    ['vega-embed.min.js', join(dirname(require.resolve('vega-embed')), 'vega-embed.min.js')],
  ]);
}
