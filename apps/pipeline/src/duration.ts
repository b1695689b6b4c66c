import { PipelineError } from './errors';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parse a wall-time budget such as `90s`, `10m`, `1h`, `1h30m` or `2.5h` into milliseconds.
 * A bare number means minutes. Throws PipelineError naming the option and the value.
 */
export function parseDuration(text: string, option = '--budget'): number {
  const trimmed = String(text).trim().toLowerCase();
  if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.round(Number(trimmed) * UNITS.m);
  const parts = [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const consumed = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || consumed !== trimmed) {
    throw new PipelineError(`Expected \`${option}\` to be a duration like 90s, 10m, 1h or 1h30m, got \`${text}\``);
  }
  const ms = parts.reduce((sum, [, value, unit]) => sum + Number(value) * UNITS[unit], 0);
  if (!(ms > 0)) throw new PipelineError(`Expected \`${option}\` to be a positive duration, got \`${text}\``);
  return Math.round(ms);
}
