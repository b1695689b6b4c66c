import { UsageError } from '@digitfuse/core';
import { useTempDir } from '@digitfuse/core/testing';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { PipelineError } from '../errors';
import { BUDGET_STOP_ATTR, KEPT_EPOCH_ATTR } from '../objective';
import { openRun, saveState } from '../run-artifacts';
import { ACTIVE_JSON } from '../run-process';
import { startDashboard, type Dashboard } from './server';
import { appendTrial, finishedTrial, writeFixtureRun } from './testing/fixture-run';
import { openEvents, rawGet } from './testing/http';

const STAGES = ['data', 'search', 'retrain', 'predict', 'validate', 'evaluate', 'report'].map((name) => ({ name, title: `${name}: …` }));
const quiet = () => undefined;

/** Resolves once `test()` holds (looked at every 50 ms); fails after `timeoutMs`. */
async function waitUntil(test: () => boolean, timeoutMs: number): Promise<void> {
  for (const end = Date.now() + timeoutMs; !test(); ) {
    if (Date.now() > end) throw new Error(`still not so after ${timeoutMs} ms`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}

describe('startDashboard()', () => {
  let dir: string;
  let run: string;
  let dashboard: Dashboard;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'dashboard-spec-'));
    run = join(dir, 'run');
    writeFixtureRun(run, { finished: 6, runningEpochs: 3, epochs: 10 });
    // Something outside the run directory that a link inside it points at.
    writeFileSync(join(dir, 'secret.txt'), 'SECRET OUTSIDE THE RUN\n');
    mkdirSync(join(run, 'report'), { recursive: true });
    symlinkSync(join(dir, 'secret.txt'), join(run, 'report', 'leak.html'));
    symlinkSync('/etc/passwd', join(run, 'report', 'passwd.png'));
    dashboard = await startDashboard({ run, stages: STAGES, log: quiet });
  });

  afterAll(async () => {
    await dashboard?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the page on 127.0.0.1 and the run as JSON: trials, the best one, the running one with its ETA', async () => {
    expect(dashboard.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    const page = await rawGet(dashboard.url, '/');
    expect(page.status).toBe(200);
    expect(page.headers['content-security-policy']).toContain("script-src 'self'");
    expect(page.body).toContain('/vendor/vega-embed.min.js');
    for (const file of ['vega.min.js', 'vega-lite.min.js', 'vega-embed.min.js']) expect((await rawGet(dashboard.url, `/vendor/${file}`)).status).toBe(200);

    const s = JSON.parse((await rawGet(dashboard.url, '/api/snapshot')).body);
    expect(s.trials).toHaveLength(7);
    expect(s.study.counts).toEqual({ WAITING: 0, RUNNING: 1, COMPLETE: 5, PRUNED: 1, FAIL: 0 });
    const complete = s.trials.filter((t: { state: string }) => t.state === 'COMPLETE');
    const best = complete.reduce((a: { value: number }, b: { value: number }) => (b.value > a.value ? b : a));
    expect(s.study.bestTrial).toBe(best.number);
    expect(best.clean).toBeGreaterThan(0.9);
    expect(s.run.stages.map((x: { state: string }) => x.state)).toEqual(['done', 'running', 'pending', 'pending', 'pending', 'pending', 'pending']);
    // Only completed trials kept an epoch; the pruned and the running one show none.
    expect(s.trials.filter((t: { bestEpoch: number | null }) => t.bestEpoch !== null).map((t: { state: string }) => t.state)).toEqual(Array(5).fill('COMPLETE'));
    const running = s.trials.find((t: { state: string }) => t.state === 'RUNNING');
    // The fixture's running trial reported 3 epochs of 40 s, the last one 15 s ago: 7 epochs of 40 s are left.
    expect(running.progress).toMatchObject({ epochsDone: 3, epochs: 10, epochSeconds: 40 });
    expect(running.progress.etaAt - s.now).toBeGreaterThan(7 * 40_000 - 15_000 - 5_000);
    expect(running.progress.etaAt - s.now).toBeLessThanOrEqual(7 * 40_000 - 15_000);
    expect(Object.values(s.charts).every((c) => c !== null)).toBe(true);
    expect(s.links).toEqual([]);
  });

  // Pushed by the file watcher, well within 2 s on a quiet machine; not timed here (a loaded CI
  // machine misses wall-clock limits for reasons of its own): the trial must arrive unasked.
  it('pushes a trial that a search worker finishes to the event stream', async () => {
    const events = await openEvents(dashboard.url);
    try {
      await events.waitFor((s) => s.trials.length === 7, 20_000);
      const n = appendTrial(openRun(run).layout.journal, finishedTrial(42, Date.now() - 300_000, 0.99));
      const s = await events.waitFor((x) => x.trials.some((t) => t.number === n && t.state === 'COMPLETE'), 20_000);
      expect(s.study?.counts.COMPLETE).toBe(6);
    } finally {
      events.close();
    }
  });

  it("shows as a trial's best epoch the epoch it kept (early stopping on validation loss), not the one of its highest validation accuracy, and whether the budget stopped it", async () => {
    // Like trial 0 of a real run: validation accuracy peaked at epoch 2, validation loss at epoch 3, whose weights the trial kept.
    const kept = { ...finishedTrial(43, Date.now() - 200_000, 0.99), curve: [0.95, 0.99, 0.985], attrs: { [KEPT_EPOCH_ATTR]: 3, [BUDGET_STOP_ATTR]: 3 } };
    const events = await openEvents(dashboard.url);
    try {
      const n = appendTrial(openRun(run).layout.journal, kept);
      const s = await events.waitFor((x) => x.trials.some((t) => t.number === n && t.state === 'COMPLETE'), 20_000);
      expect(s.trials.find((t) => t.number === n)?.bestEpoch).toBe(3);
      // It was also stopped by the search budget (the fixture's other trials were not).
      expect(s.trials.filter((t) => t.stoppedByBudget).map((t) => t.number)).toEqual([n]);
    } finally {
      events.close();
    }
  });

  it('names the worker of each trial when several ran them, and when a running trial\'s worker was last heard from', async () => {
    expect(dashboard.monitor.current.study?.workers).toBe(1);
    const shared = join(dir, 'shared-run');
    const workers = [
      { host: 'lab-a', pid: 11, id: 'a' },
      { host: 'lab-b', pid: 22, id: 'b' },
      { host: 'lab-b', pid: 33, id: 'c' },
    ];
    writeFixtureRun(shared, { finished: 5, runningEpochs: 2, workers, runningSilentFor: 200 });
    const d = await startDashboard({ run: shared, stages: STAGES, log: quiet });
    try {
      const s = d.monitor.current;
      expect(s.study?.workers).toBe(3);
      // Several hosts: the host names a trial's worker, with its process where one host ran several.
      expect(s.trials.map((t) => t.worker)).toEqual(['lab-a', 'lab-b (pid 22)', 'lab-b (pid 33)', 'lab-a', 'lab-b (pid 22)', 'lab-b (pid 33)']);
      expect(s.study?.staleAfterMs).toBe(120_000);
      // The running trial's last word is its last epoch's report, 200 s ago; finished trials have none.
      const running = s.trials.find((t) => t.state === 'RUNNING');
      expect(running?.heardAt).toBeGreaterThan(s.now - 205_000);
      expect(running?.heardAt).toBeLessThanOrEqual(s.now - 200_000);
      expect(s.trials.filter((t) => t.heardAt !== null)).toHaveLength(1);
    } finally {
      await d.close();
    }
    // One host, two processes (a resumed run, or --workers 2): the process ids tell them apart.
    const local = join(dir, 'local-run');
    writeFixtureRun(local, { finished: 3, runningEpochs: 0, workers: [workers[1], workers[2]] });
    const l = await startDashboard({ run: local, stages: STAGES, log: quiet });
    try {
      expect(l.monitor.current.trials.map((t) => t.worker)).toEqual(['pid 22', 'pid 33', 'pid 22']);
    } finally {
      await l.close();
    }
  });

  it('shows a stage as running only while a process runs the run, and sees one killed (kill -9) within seconds', async () => {
    const other = join(dir, 'other-run');
    writeFixtureRun(other, { finished: 2, runningEpochs: 0, active: false });
    const sleeper = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 120_000)'], { stdio: 'ignore' });
    await new Promise((ok) => sleeper.once('spawn', ok));
    const d = await startDashboard({ run: other, stages: STAGES, log: quiet });
    try {
      const states = () => d.monitor.current.run?.stages.map((x) => x.state);
      expect(states()).toEqual(['done', 'pending', 'pending', 'pending', 'pending', 'pending', 'pending']);
      expect(d.monitor.current.run?.active).toBeNull();
      // A process takes the run up (active.json appears): its stage is running.
      writeFileSync(join(other, ACTIVE_JSON), JSON.stringify({ pid: sleeper.pid, host: hostname(), since: new Date().toISOString() }));
      await waitUntil(() => states()?.[1] === 'running', 20_000);
      expect(d.monitor.current.run?.active).toMatchObject({ pid: sleeper.pid });
      // Killed: its active.json stays, but the process is gone.
      sleeper.kill('SIGKILL');
      await waitUntil(() => states()?.[1] === 'pending', 20_000);
      expect(d.monitor.current.run?.active).toBeNull();
      expect(existsSync(join(other, ACTIVE_JSON))).toBe(true);
    } finally {
      sleeper.kill('SIGKILL');
      await d.close();
    }
  });

  it("pushes the run's stage when run.json changes, and links the report and submission once they exist", async () => {
    const events = await openEvents(dashboard.url);
    try {
      const { layout, state } = openRun(run);
      state.stages.search = { seconds: 600, finishedAt: new Date().toISOString() };
      saveState(layout, state);
      const s = await events.waitFor((x) => x.run?.stages[1].state === 'done', 20_000);
      expect(s.run?.stages[2]).toMatchObject({ name: 'retrain', state: 'running' });
      writeFileSync(layout.submission, 'row_id,label\n0,7\n');
      writeFileSync(join(layout.reportDir, 'report.html'), '<!doctype html><p>report</p>\n');
      // The submission is the run's once run.json records its predict stage (before, it may be an earlier search's).
      const reportOnly = await events.waitFor((x) => x.links.length === 1, 20_000);
      expect(reportOnly.links.map((l) => l.href)).toEqual(['/run/report/report.html']);
      for (const stage of ['retrain', 'predict'] as const) state.stages[stage] = { seconds: 1, finishedAt: new Date().toISOString() };
      saveState(layout, state);
      const linked = await events.waitFor((x) => x.links.length === 2, 20_000);
      expect(linked.links.map((l) => l.href)).toEqual(['/run/report/report.html', '/run/submission.csv']);
    } finally {
      events.close();
    }
    const report = await rawGet(dashboard.url, '/run/report/report.html');
    expect(report.status).toBe(200);
    expect(report.headers['content-type']).toMatch(/^text\/html/);
    expect(report.headers['content-security-policy']).toContain('sandbox');
    const csv = await rawGet(dashboard.url, '/run/submission.csv');
    expect(csv.body).toBe('row_id,label\n0,7\n');
    expect(csv.headers['content-disposition']).toContain('attachment');
  });

  it.each([
    '/../../etc/passwd',
    '/../../../../../../etc/passwd',
    '/run/../../etc/passwd',
    '/run/../../../../../../etc/passwd',
    '/run/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/run/%2e%2e/%2e%2e/%2e%2e/etc/passwd',
    '/run/..%2f..%2f..%2fetc/passwd',
    '/run/%252e%252e%252fetc%252fpasswd',
    '/run/..\\..\\..\\etc\\passwd',
    '/run//etc/passwd',
    '/run/%2fetc%2fpasswd',
    '/run/report/..%2f..%2f..%2fsecret.txt',
    '/run/report/leak.html',
    '/run/report/passwd.png',
    '/run/search/study.jsonl',
    '/run/run.json',
    '/vendor/..%2f..%2fpackage.json',
    '/vendor/%2e%2e%2f%2e%2e%2f%2e%2e%2fetc%2fpasswd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/app.js/../../../etc/passwd',
    '/etc/passwd',
  ])('refuses %s (403/404, nothing from outside the run)', async (path) => {
    const r = await rawGet(dashboard.url, path);
    expect([400, 403, 404]).toContain(r.status);
    expect(r.body).not.toContain('root:');
    expect(r.body).not.toContain('SECRET');
    expect(r.body).not.toContain('"op"');
  });

  it('answers only requests addressed to 127.0.0.1 or localhost (no DNS rebinding)', async () => {
    expect((await rawGet(dashboard.url, '/api/snapshot', 'evil.example:80')).status).toBe(403);
    const port = new URL(dashboard.url).port;
    expect((await rawGet(dashboard.url, '/api/snapshot', `localhost:${port}`)).status).toBe(200);
  });

  it.each(['/%ZZ', '/run/report/%E0%A4%A', '/api/snapshot%'])("answers a malformed URL (%s) as its other errors, a plain-text 400 'Bad request' with its headers, not fastify's JSON", async (path) => {
    const r = await rawGet(dashboard.url, path);
    expect({ status: r.status, type: r.headers['content-type'], body: r.body }).toEqual({ status: 400, type: 'text/plain', body: 'Bad request' });
    expect(r.headers).toMatchObject({ 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' });
    expect(r.headers['content-security-policy']).toContain("default-src 'none'");
  });

  it('never writes to the run directory (no lock, journal unchanged)', async () => {
    const journal = openRun(run).layout.journal;
    const before = readFileSync(journal);
    dashboard.monitor.refresh();
    expect(readFileSync(journal)).toEqual(before);
    expect(existsSync(`${journal}.lock`)).toBe(false);
  });
});

describe('startDashboard() errors', () => {
  const tempDir = useTempDir('dashboard-spec-');

  it('refuses a folder without run.json, naming it', async () => {
    await expect(startDashboard({ run: join(tempDir(), 'nothing'), log: quiet })).rejects.toThrow(PipelineError);
    await expect(startDashboard({ run: join(tempDir(), 'nothing'), log: quiet })).rejects.toThrow(/^Expected `--run .*nothing` to be a run directory with run.json, found no such folder$/);
  });

  it('refuses a bad port and a port in use', async () => {
    const run = join(tempDir(), 'run');
    writeFixtureRun(run, { finished: 1, runningEpochs: 0 });
    await expect(startDashboard({ run, port: 70_000, log: quiet })).rejects.toThrow(UsageError);
    await expect(startDashboard({ run, port: 70_000, log: quiet })).rejects.toThrow('Expected `--port` to be an integer from 0 to 65535');
    await expect(startDashboard({ run, host: '999.1.1.1', log: quiet })).rejects.toThrow(UsageError);
    const taken = createServer();
    await new Promise<void>((r) => taken.listen(0, '127.0.0.1', () => r()));
    const port = (taken.address() as { port: number }).port;
    try {
      await expect(startDashboard({ run, port, log: quiet })).rejects.toThrow(`Expected port ${port} on 127.0.0.1 to be free`);
    } finally {
      taken.close();
    }
  });

  it('refuses a run.json without the stages or options it reads, naming the field', async () => {
    const run = join(tempDir(), 'run-partial');
    writeFixtureRun(run, { finished: 1, runningEpochs: 0 });
    const state = join(run, 'run.json');
    const cases: [unknown, string][] = [
      [{ version: 1 }, `Expected ${state} to hold \`options\` (an object: the run's options), found none`],
      [{ version: 1, options: {}, stages: null }, `Expected ${state} to hold \`stages\` (an object: the finished stages), found null`],
      [{ version: 1, options: {}, stages: { data: { finishedAt: 'x' } } }, `Expected ${state} to hold \`stages.data\` (a finished stage with its \`seconds\`), found \`seconds\` none`],
      [{ version: 1, options: { study: 7 }, stages: {} }, `Expected ${state} to hold \`options.study\` (a string or null), found number 7`],
      [{ version: 1, options: { epochs: 'abc' }, stages: {} }, `Expected ${state} to hold \`options.epochs\` (an integer from 1 to 1000), found string "abc"`],
      [{ version: 1, options: { split: 'x' }, stages: {} }, `Expected ${state} to hold \`options.split\` (one of grouped, stratified), found string "x"`],
      [{ version: 1, options: {}, stages: {}, spent: { search: -1 } }, `Expected ${state} to hold \`spent.search\` (seconds), found number -1`],
      [[], `Expected ${state} to be a digitfuse run (a JSON object), found an array`],
    ];
    for (const [json, message] of cases) {
      writeFileSync(state, JSON.stringify(json));
      const refused = startDashboard({ run, log: quiet });
      await expect(refused).rejects.toThrow(PipelineError);
      await expect(refused).rejects.toThrow(new RegExp(`^${message.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}$`));
    }
  });

  it('warns when it listens beyond this machine', async () => {
    const run = join(tempDir(), 'run-open');
    writeFixtureRun(run, { finished: 1, runningEpochs: 0 });
    const lines: string[] = [];
    const d = await startDashboard({ run, host: '0.0.0.0', log: (l) => lines.push(l) });
    try {
      expect(lines.join('\n')).toMatch(/^warning: the dashboard listens on 0\.0\.0\.0, not only on this machine/m);
      expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/$/);
    } finally {
      await d.close();
    }
  });

  it('finish() sends the last snapshot, marked ended, and the end event, then stops', async () => {
    const run = join(tempDir(), 'run-finish');
    writeFixtureRun(run, { finished: 2, runningEpochs: 0 });
    const d = await startDashboard({ run, log: quiet });
    const events = await openEvents(d.url);
    await events.waitFor(() => true, 20_000);
    await d.finish();
    const last = await events.waitFor((s) => s.ended, 20_000);
    expect(last.trials).toHaveLength(2);
    await new Promise((r) => setTimeout(r, 100));
    expect(events.ended()).toBe(true);
    await expect(rawGet(d.url, '/')).rejects.toThrow(/ECONNREFUSED/);
  });
});
