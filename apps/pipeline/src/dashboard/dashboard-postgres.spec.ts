/**
 * The dashboard of a study kept in PostgreSQL (`--storage URL --study NAME`, or a run whose run.json
 * records one): its event stream and its page in chromium, against a real server (a throwaway
 * cluster, or CI's). Skipped with one loud line without PostgreSQL (never on CI); the page's part
 * also without chromium (never on CI).
 */
import { PostgresStorage, silentLogger, redactUrl } from '@digitfuse/tuning';
import { postgresTestable, startTcpRelay, TEST_PG_PASSWORD } from '@digitfuse/tuning/testing';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Browser } from 'puppeteer-core';
import { startDashboard, type Dashboard } from './server';
import { describeInBrowser, launchBrowser, openPage } from './testing/browser';
import { finishedTrial, HOSTILE, storeTrial, writeFixtureRun, writeFixtureStudy } from './testing/fixture-run';
import { openEvents, rawGet } from './testing/http';
import { usePostgresDatabase } from './testing/postgres-fixture';

jest.setTimeout(120_000);

const STAGES = ['data', 'search', 'retrain', 'predict', 'validate', 'evaluate', 'report'].map((name) => ({ name, title: `${name}: …` }));
const STUDY = 'pg-dashboard';
const quiet = () => undefined;
/** Screenshots for people to look at (git-ignored). */
const OUTPUT_DIR = join(__dirname, '..', '..', 'test-output');

const describePg = postgresTestable() ? describe : describe.skip;
const db = usePostgresDatabase('dashboard', (writer) => writeFixtureStudy(writer, STUDY, { finished: 6, runningEpochs: 3, hostile: true }));
let dir: string;

beforeAll(() => {
  if (postgresTestable()) dir = mkdtempSync(join(tmpdir(), 'dashboard-pg-'));
});
afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A trial finished by a worker on another machine: its own storage handle on the database. */
async function finishElsewhere(seed: number, value: number): Promise<number> {
  const writer = new PostgresStorage(db.url(), { logger: silentLogger });
  try {
    return await storeTrial(writer, STUDY, { ...finishedTrial(seed, Date.now() - 300_000, 0.99), value });
  } finally {
    await writer.close();
  }
}

describePg('dashboard of a study in PostgreSQL (--storage, --study)', () => {
  let dashboard: Dashboard;

  beforeAll(async () => {
    dashboard = await startDashboard({ storage: db.url(), study: STUDY, stages: STAGES, log: quiet, pollMs: 250 });
  });
  afterAll(() => dashboard?.close());

  it("serves the study's trials without a run: no stages, no links, no run files, the URL without its password", async () => {
    const s = JSON.parse((await rawGet(dashboard.url, '/api/snapshot')).body);
    expect(s.run).toBeNull();
    expect(s.source).toEqual({ kind: 'postgresql', place: redactUrl(db.url()), study: STUDY });
    expect(s.trials).toHaveLength(9);
    expect(s.study.counts).toEqual({ WAITING: 0, RUNNING: 1, COMPLETE: 6, PRUNED: 1, FAIL: 1 });
    expect(s.study.objective).toBe('shift-aware');
    expect(s.study.bestTrial).not.toBeNull();
    const running = s.trials.find((t: { state: string }) => t.state === 'RUNNING');
    expect(running.progress).toMatchObject({ epochsDone: 3, loss: 0.3125, acc: 0.9 });
    expect(running.progress.epochSeconds).toBeGreaterThan(0);
    expect(Object.values(s.charts).every((c) => c !== null)).toBe(true);
    expect(s.links).toEqual([]);
    expect(JSON.stringify(s)).not.toContain(TEST_PG_PASSWORD);
    expect((await rawGet(dashboard.url, '/run/report/report.html')).status).toBe(404);
  });

  // Polled every 250 ms here (500 ms by default), so well within 2 s on a quiet machine; not timed here
  // (a loaded CI machine misses wall-clock limits for reasons of its own): the trial must arrive unasked.
  it('pushes a trial that another machine finishes to the event stream', async () => {
    const events = await openEvents(dashboard.url);
    try {
      await events.waitFor((s) => s.trials.length >= 9, 20_000);
      const n = await finishElsewhere(51, 0.9991);
      const s = await events.waitFor((x) => x.trials.some((t) => t.number === n && t.state === 'COMPLETE'), 20_000);
      expect(s.study?.bestTrial).toBe(n);
    } finally {
      events.close();
    }
  });

  it('serves a run whose run.json records the database: its stages, and the trials from the database', async () => {
    const run = join(dir, 'run-in-db');
    writeFixtureRun(run, { storage: redactUrl(db.url()), study: STUDY });
    const saved = process.env.DIGITFUSE_STORAGE;
    process.env.DIGITFUSE_STORAGE = db.url(); // the password, as a search gives it to the dashboard
    let d: Dashboard | undefined;
    try {
      d = await startDashboard({ run, stages: STAGES, log: quiet });
      const s = d.monitor.current;
      expect(s.run?.stages.map((x) => x.state)).toEqual(['done', 'running', 'pending', 'pending', 'pending', 'pending', 'pending']);
      expect(s.source).toMatchObject({ kind: 'postgresql', study: STUDY });
      expect(s.trials.length).toBeGreaterThanOrEqual(10);
    } finally {
      if (saved === undefined) delete process.env.DIGITFUSE_STORAGE;
      else process.env.DIGITFUSE_STORAGE = saved;
      await d?.close();
    }
  });

  describeInBrowser('its page (chromium)', () => {
    let browser: Browser;
    beforeAll(async () => {
      browser = await launchBrowser();
    });
    afterAll(() => browser?.close());

    it('loads with no console error, shows the study and its charts, hostile values as text, and a trial finished elsewhere by itself (test-output/dashboard-postgres.png)', async () => {
      const { page, errors } = await openPage(browser, dashboard.url);
      try {
        await page.waitForFunction(`document.querySelectorAll('#trials tbody tr').length >= 10`, { timeout: 30_000 });
        await page.waitForFunction(`['history', 'intermediate', 'parallel', 'importances'].every((n) => document.querySelector('#chart-' + n + ' svg') !== null)`, {
          timeout: 30_000,
        });
        expect(await page.$eval('h1', (e) => e.textContent)).toBe(`digitfuse study ${STUDY}`);
        expect(await page.$eval('#source', (e) => e.textContent)).toBe(`study ${STUDY} in ${redactUrl(db.url())}`);
        expect(await page.$eval('#stages-section', (e) => e.hasAttribute('hidden'))).toBe(true);
        expect(await page.$eval('#running .headline', (e) => e.textContent)).toBe('Trial 8: epoch 4');
        expect(await page.$eval('#running .eta', (e) => e.textContent)).toMatch(/^time left: unknown/);
        expect(await page.$eval('#card-objective', (e) => e.textContent)).toContain('shift');
        expect(await page.$$eval('#trials tbody td', (tds) => tds.map((td) => td.textContent))).toContain(HOSTILE);
        expect(await page.evaluate('typeof window.__pwned')).toBe('undefined');
        expect(await page.content()).not.toContain(TEST_PG_PASSWORD);

        await page.evaluate('window.marker = 1');
        const n = await finishElsewhere(52, 0.9995);
        await page.waitForFunction(`document.querySelector('#trials tr[data-trial="${n}"]')?.getAttribute('data-state') === 'COMPLETE'`, { timeout: 20_000, polling: 50 });
        expect(await page.evaluate('window.marker')).toBe(1); // same page, not reloaded
        expect(await page.$eval('#trials tr.best', (r) => r.getAttribute('data-trial'))).toBe(String(n));
        expect(errors).toEqual([]);
        mkdirSync(OUTPUT_DIR, { recursive: true });
        await page.screenshot({ path: join(OUTPUT_DIR, 'dashboard-postgres.png'), fullPage: true });
      } finally {
        await page.close();
      }
    });

    it('says when the database is out of reach, keeping its trials as last read, and clears that when it answers again', async () => {
      const relay = await startTcpRelay({ host: '127.0.0.1', port: db.cluster().port });
      const d = await startDashboard({ storage: relay.url(db.url()), study: STUDY, stages: STAGES, log: quiet, pollMs: 250 });
      const { page, errors } = await openPage(browser, d.url);
      try {
        await page.waitForFunction(`document.querySelectorAll('#trials tbody tr').length >= 10`, { timeout: 30_000 });
        const rows = await page.$$eval('#trials tbody tr', (r) => r.length);
        expect(await page.$eval('#problem', (e) => e.hasAttribute('hidden'))).toBe(true);
        await relay.setMode('refuse');
        relay.cut();
        await page.waitForFunction(`!document.querySelector('#problem').hidden`, { timeout: 30_000 });
        const text = String(await page.$eval('#problem', (e) => e.textContent));
        expect(text).toMatch(new RegExp(`^Cannot read the study from postgresql://digitfuse@127\\.0\\.0\\.1:${relay.port}/\\w+ since \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d:\\d\\d UTC \\(trying again\\): .*out of reach.*\\. The trials below are as last read\\.$`));
        expect(text).not.toContain(TEST_PG_PASSWORD);
        expect(await page.$$eval('#trials tbody tr', (r) => r.length)).toBe(rows);
        // A running trial's last word is not known while the study cannot be read (not "no word for ...").
        expect(await page.$eval('#running .heard', (e) => e.textContent)).toBe('when its worker was last heard from is not known while the study cannot be read');
        await relay.setMode('forward');
        await page.waitForFunction(`document.querySelector('#problem').hidden`, { timeout: 30_000 });
        expect(errors).toEqual([]);
      } finally {
        await page.close();
        await d.close();
        await relay.close();
      }
    });
  });
});
