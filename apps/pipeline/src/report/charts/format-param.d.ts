/**
 * A parameter's value as the report and the dashboard show it (format-param.js, the one
 * implementation, which the dashboard page loads as it is): integers as they are; else three
 * significant digits, with an exponent under 0.01 and from 10000 on.
 */
export declare function formatParam(v: number): string;
