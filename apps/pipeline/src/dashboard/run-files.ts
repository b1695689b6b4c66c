import { realpathSync, statSync } from 'node:fs';
import { relative, resolve, sep } from 'node:path';
import { currentSubmission, type RunLayout, type RunState } from '../run-artifacts';
import type { RunLink } from './types';

/**
 * The files of a run the dashboard serves, as paths relative to the run directory: the report (its
 * page and figures) and the outputs a user downloads. Nothing else of the run (models, journal,
 * caches) and nothing outside it.
 */
const SERVED: readonly RegExp[] = [
  /^report\/[A-Za-z0-9][A-Za-z0-9._-]*\.(?:html|png|svg)$/,
  /^submission\.csv$/,
  /^summary\.md$/,
  /^search\/trials\.csv$/,
  /^search\/best\.json$/,
];

/**
 * The real path of a served file of the run, or null: for a path that is not one of `SERVED`, that
 * climbs out (`..`, an absolute or a backslash path, an encoded separator left after decoding), that
 * does not exist or is not a file, or whose real path (symbolic links followed) lies outside the run
 * directory.
 *
 * @param requested the URL path below `/run/`, already percent-decoded once
 */
export function resolveRunFile(root: string, requested: string): string | null {
  if (typeof requested !== 'string' || requested.length === 0 || requested.length > 512) return null;
  if (/[\0\\%]/.test(requested)) return null;
  const segments = requested.split('/');
  if (segments.some((s) => s === '' || s === '.' || s === '..' || s.startsWith('.'))) return null;
  const rel = segments.join('/');
  if (!SERVED.some((re) => re.test(rel))) return null;
  try {
    const realRoot = realpathSync(root);
    const real = realpathSync(resolve(realRoot, rel));
    if (!real.startsWith(realRoot + sep) || !statSync(real).isFile()) return null;
    return real;
  } catch {
    return null; // missing, or a dangling link
  }
}

/** The file's path relative to the run directory's real path (for `reply.sendFile`). */
export function relativeToRun(root: string, real: string): { root: string; path: string } {
  const realRoot = realpathSync(root);
  return { root: realRoot, path: relative(realRoot, real) };
}

/**
 * Links to the run's report and outputs that exist now; the submission only when run.json (`state`)
 * records its predict stage: one left by an earlier search that `search --resume --trials N` went on
 * from is not this run's (currentSubmission).
 */
export function runLinks(layout: RunLayout, state: RunState<unknown> | null): RunLink[] {
  const candidates: Array<[label: string, rel: string]> = [
    ['Report (report.html)', 'report/report.html'],
    ['Submission (submission.csv)', 'submission.csv'],
    ['Trials table (trials.csv)', 'search/trials.csv'],
  ];
  const links: RunLink[] = [];
  for (const [label, rel] of candidates) {
    if (rel === 'submission.csv' && (state === null || currentSubmission(layout, state) === null)) continue;
    const real = resolveRunFile(layout.root, rel);
    if (real !== null) links.push({ label, href: `/run/${rel}`, path: resolve(layout.root, rel) });
  }
  return links;
}
