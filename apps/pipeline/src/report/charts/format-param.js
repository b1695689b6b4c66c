// A parameter's value as the report and the dashboard show it: one rule, in plain JavaScript, so that
// the report's TypeScript (`import { formatParam } from './format-param'`, typed by format-param.d.ts)
// and the dashboard page (served as `/format-param.js`, read as `digitfuseFormat.formatParam`) run the
// very same code. Keep it free of imports and of syntax a browser does not run.
'use strict';
(function (exported) {
  /**
   * Integers as they are (a batch size of 16384, not 1.64e+4); else three significant digits, with
   * an exponent under 0.01 and from 10000 on (a learning-rate column read 7.630e-4 over 0.005749).
   * @param {number} v
   * @returns {string}
   */
  function formatParam(v) {
    if (Number.isInteger(v)) return String(v);
    const a = Math.abs(v);
    if (a >= 1e4 || a < 1e-2) return v.toExponential(2);
    return String(Number(v.toPrecision(3)));
  }
  exported.formatParam = formatParam;
})(typeof module === 'object' && module.exports ? module.exports : (globalThis.digitfuseFormat = {}));
