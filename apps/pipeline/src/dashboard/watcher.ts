import { watch } from 'chokidar';
import { relative, sep } from 'node:path';
import type { RunLayout } from '../run-artifacts';
import { ACTIVE_JSON } from '../run-process';

export interface RunWatcherArgs {
  /** Changes closer together than this are reported once. Default: 100 ms. */
  readonly debounceMs?: number;
  /** Receives watcher errors. Default: ignored. */
  readonly onError?: (err: Error) => void;
}

export interface RunWatcher {
  /** Resolves once the watcher has scanned the run directory. */
  readonly ready: Promise<void>;
  close(): Promise<void>;
}

/** Paths the dashboard shows something of (relative to the run directory, `/`-separated). */
function watched(layout: RunLayout): Set<string> {
  const rel = (p: string) => relative(layout.root, p).split(sep).join('/');
  return new Set(
    ['', rel(layout.state), ACTIVE_JSON, rel(layout.searchDir), rel(layout.journal), rel(layout.trialsCsv), rel(layout.reportDir), rel(layout.submission)].concat(
      `${rel(layout.reportDir)}/report.html`,
    ),
  );
}

/**
 * Watch a run directory (chokidar) for what the dashboard shows: run.json, active.json, the study journal, the
 * report page and the submission. Everything else there (models, trial weights, caches) is ignored,
 * not even scanned. `onChange` is called once per burst of changes.
 */
export function watchRun(layout: RunLayout, onChange: () => void, args: RunWatcherArgs = {}): RunWatcher {
  const { debounceMs = 100, onError = () => undefined } = args;
  const paths = watched(layout);
  const watcher = watch(layout.root, {
    ignoreInitial: true,
    depth: 1,
    ignored: (path: string) => !paths.has(relative(layout.root, path).split(sep).join('/')),
  });
  let timer: ReturnType<typeof setTimeout> | null = null;
  watcher.on('all', () => {
    if (timer !== null) return;
    timer = setTimeout(() => {
      timer = null;
      onChange();
    }, debounceMs);
  });
  watcher.on('error', (err) => onError(err as Error));
  const ready = new Promise<void>((resolve) => watcher.once('ready', () => resolve()));
  return {
    ready,
    async close() {
      if (timer !== null) clearTimeout(timer);
      timer = null;
      await watcher.close();
    },
  };
}
