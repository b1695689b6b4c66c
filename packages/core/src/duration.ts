import { UsageError } from './errors';

const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/**
 * Parses a wall-time flag such as `90s`, `10m`, `1h`, `1h30m`, `2.5h` or `500ms` into milliseconds;
 * a bare number means minutes (`15` = `15m`). Zero (`0`, `0s`) is refused: throws a UsageError naming the
 * option and the value.
 */
export function parseDuration(text: string, option = '--budget'): number {
  const trimmed = String(text).trim().toLowerCase();
  // A bare number is minutes: `15` = `15m`.
  const parts = /^\d+(\.\d+)?$/.test(trimmed) ? [[trimmed, trimmed, 'm']] : [...trimmed.matchAll(/(\d+(?:\.\d+)?)(ms|s|m|h)/g)];
  const consumed = parts.map((p) => p[0]).join('');
  if (parts.length === 0 || consumed !== trimmed) {
    throw new UsageError(`Expected \`${option}\` to be a duration like 90s, 10m, 1h or 1h30m, found \`${text}\``);
  }
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
