import { UsageError } from './errors';

/** Each unit in ms, largest first: a duration gives them in this order, each once. */
const UNITS: Record<string, number> = { h: 3_600_000, m: 60_000, s: 1000, ms: 1 };

const UNIT_NAMES: Record<string, string> = { h: 'hours', m: 'minutes', s: 'seconds', ms: 'milliseconds' };

/**
 * Parses a wall-time flag such as `90s`, `10m`, `1h`, `1h30m`, `2.5h` or `500ms` into milliseconds;
 * a bare number means minutes (`15` = `15m`). Refused, with a UsageError naming the option and the
 * value: zero (`0`, `0s`); a unit given twice (`10m10m`) or after a smaller one (`30m1h`); minutes or
 * seconds of 60 or more (ms of 1000 or more) after a larger unit (`1h90m`; `90m` alone is fine); a
 * fraction before the last unit (`1.5h30m`).
 */
export function parseDuration(text: string, option = '--budget'): number {
  const trimmed = String(text).trim().toLowerCase();
  // A bare number is minutes: `15` = `15m`.
  const parts = /^\d+(\.\d+)?$/.test(trimmed) ? [[trimmed, trimmed, 'm']] : [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const consumed = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || consumed !== trimmed) {
    throw new UsageError(`Expected \`${option}\` to be a duration like 90s, 10m, 1h or 1h30m, found \`${text}\``);
  }
  const order = Object.keys(UNITS);
  parts.forEach(([, value, unit], i) => {
    if (i === 0) return;
    const [, before, larger] = parts[i - 1];
    if (parts.slice(0, i).some((p) => p[2] === unit)) throw new UsageError(`Expected \`${option}\` to give each unit once, found ${unit} twice in \`${text}\``);
    if (order.indexOf(unit) < order.indexOf(larger)) throw new UsageError(`Expected \`${option}\` to give its units largest first (1h30m), found \`${text}\``);
    if (before.includes('.')) throw new UsageError(`Expected \`${option}\` to have a fraction only in its last unit (1h30m or 1.5h), found \`${text}\``);
    // Below the next larger unit: 60 minutes or seconds, 1000 ms.
    const limit = UNITS[order[order.indexOf(unit) - 1]] / UNITS[unit];
    if (Number(value) >= limit) {
      throw new UsageError(`Expected the ${UNIT_NAMES[unit]} of \`${option}\` to be below ${limit} after its ${UNIT_NAMES[larger]}, found \`${text}\``);
    }
  });
  const ms = Math.round(parts.reduce((sum, [, value, unit]) => sum + Number(value) * UNITS[unit], 0));
  if (!(ms > 0)) throw new UsageError(`Expected \`${option}\` to be a positive duration (a bare number is minutes), found \`${text}\``);
  return ms;
}

/** Formats seconds as `1h02m`, `3m05s` or `12s` (`?` for a negative or unknown time). */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '?';
  const s = Math.round(seconds);
  if (s >= 3600) return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
  if (s >= 60) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${s}s`;
}
