import { useTempDir, WORKSPACE } from '@digitfuse/core/testing';
import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFixtureRun } from './testing/fixture-run';
import { runDashboardCli, startDashboardCli } from './testing/cli';
import { rawGet } from './testing/http';

jest.setTimeout(180_000);

describe('pipeline:dashboard (cli/dashboard.ts)', () => {
  const tempDir = useTempDir('dashboard-cli-');

  it('prints the URL, serves the run until Ctrl-C, then exits 0', async () => {
    const run = join(tempDir(), 'run');
    writeFixtureRun(run, { finished: 3, runningEpochs: 1 });
    const { child, url, exited, output } = await startDashboardCli(['--run', run]);
    const snapshot = JSON.parse((await rawGet(url, '/api/snapshot')).body);
    expect(snapshot.trials).toHaveLength(4);
    expect(snapshot.run.stages.map((s: { name: string }) => s.name)).toEqual(['data', 'search', 'retrain', 'predict', 'validate', 'evaluate', 'report']);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    expect(output().stderr).toContain('dashboard stopped');
  });

  it("through the `digitfuse` binary, takes a terminal's Ctrl-C (its whole process group) and the one the binary passes on as one stop: 'dashboard stopped', exit 0", async () => {
    const run = join(tempDir(), 'run-binary');
    writeFixtureRun(run, { finished: 2, runningEpochs: 0 });
    const child = spawn(join(WORKSPACE, 'apps/cli/bin/digitfuse'), ['dashboard', '--run', run], { cwd: WORKSPACE, detached: true, env: { ...process.env, DEBUG: '', DIGITFUSE_DEBUG: '' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c));
    child.stderr.on('data', (c: Buffer) => (stderr += c));
    const ended = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('close', (code, signal) => resolve({ code, signal })));
    for (const t0 = Date.now(); !/^dashboard: http/m.test(stdout); await new Promise((r) => setTimeout(r, 50))) {
      if (child.exitCode !== null || Date.now() - t0 > 120_000) throw new Error(`no URL line: ${stderr.slice(-2000)}`);
    }
    process.kill(-(child.pid as number), 'SIGINT');
    expect(await ended).toEqual({ code: 0, signal: null });
    expect(stderr).toMatch(/^dashboard stopped$/m);
  });

  it("names the run's own journal, not a copy of it, in a warning about one of its lines", async () => {
    const run = join(tempDir(), 'run-bad-line');
    const { journal } = writeFixtureRun(run, { finished: 3, runningEpochs: 0 });
    const lines = readFileSync(journal, 'utf8').split('\n');
    lines[5] = '{"op": "set_param", torn';
    writeFileSync(journal, lines.join('\n'));
    const { child, exited, output } = await startDashboardCli(['--run', run]);
    child.kill('SIGINT');
    expect(await exited).toBe(0);
    const warnings = output().stderr.split('\n').filter((l) => l.includes('line 6'));
    expect(warnings).toEqual([`dashboard: Journal \`${journal}\` line 6: not valid JSON (a torn write?), skipped`]);
  });

  it('says in one line what is wrong with --run, and exits 1', () => {
    const r = runDashboardCli(['--run', join(tempDir(), 'missing')]);
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe(`error: Expected \`--run ${join(tempDir(), 'missing')}\` to be a run directory with run.json, found no such folder`);
  });

  it.each([
    ['{"version":1}', 'to hold `options` (an object: the run\'s options), found none'],
    ['{"version":1,"options":{},"stages":null}', 'to hold `stages` (an object: the finished stages), found null'],
    ['{"version":2,"options":{},"stages":{}}', 'to be a digitfuse run of version 1, found version 2'],
  ])('refuses run.json %s in one line naming what is wrong, and exits 1', (json, problem) => {
    const run = join(tempDir(), `run-json-${json.length}`);
    writeFixtureRun(run, { finished: 1, runningEpochs: 0 });
    writeFileSync(join(run, 'run.json'), json);
    const r = runDashboardCli(['--run', run]);
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({ status: 1, stderr: `error: Expected ${join(run, 'run.json')} ${problem}` });
  });

  it("refuses a --study other than the run's (run.json), naming the run's in its journal, and exits 2", () => {
    const run = join(tempDir(), 'run-study');
    const { journal } = writeFixtureRun(run, { finished: 2, runningEpochs: 0 });
    const r = runDashboardCli(['--run', run, '--study', 'other']);
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({
      status: 2,
      stderr: `error: Expected \`--study other\` to name the study of ${run}, \`digitfuse\` in its journal (${journal}), found another name; drop --study to show the run's own study`,
    });
  });

  it("refuses a --storage for a run whose study is in its journal, before connecting to it, and exits 2", () => {
    const run = join(tempDir(), 'run-storage');
    const { journal } = writeFixtureRun(run, { finished: 2, runningEpochs: 0 });
    // Port 1: nothing listens there; the refusal comes first.
    const r = runDashboardCli(['--run', run, '--storage', 'postgresql://someone:secret@127.0.0.1:1/shared']);
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({
      status: 2,
      stderr:
        `error: Expected \`--storage postgresql://someone@127.0.0.1:1/shared\` to name the storage of ${run}, its journal (${journal}), found a database; ` +
        "drop --storage to show the run's own study, or leave out --run to show that database's study alone",
    });
  });

  it.each([
    [['--port', '-1'], 'error: Expected `--port` to be an integer from 0 to 65535 (0: a free one), found `-1`'],
    [['--port', '70000'], 'error: Expected `--port` to be an integer from 0 to 65535 (0: a free one), found `70000`'],
    [['--port', '1.5'], 'error: Expected `--port` to be an integer from 0 to 65535 (0: a free one), found `1.5`'],
    // It served on 8080 and 1000: every other integer flag refuses an integer written so.
    [['--port', '8080.0'], 'error: Expected `--port` to be an integer from 0 to 65535 (0: a free one) written in digits, found `8080.0`'],
    [['--port', '1e3'], 'error: Expected `--port` to be an integer from 0 to 65535 (0: a free one) written in digits, found `1e3`'],
    [['--host', '999.1.1.1'], 'error: Expected `--host` to be an IP address or a host name of this machine, found `999.1.1.1` (not an IPv4 address)'],
    [['--host', 'a host'], 'error: Expected `--host` to be an IP address or a host name of this machine, found `a host` (not an address or a host name)'],
  ])('refuses %j in one line with exit 2', (args, line) => {
    const r = runDashboardCli(['--run', join(tempDir(), 'missing'), ...args]);
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({ status: 2, stderr: line });
  });

  it('refuses a --host that is no address of this machine in one line naming it, and exits 1', () => {
    const run = join(tempDir(), 'run-host');
    writeFixtureRun(run, { finished: 1, runningEpochs: 0 });
    // 192.0.2.1 is TEST-NET-1 (RFC 5737): an address no machine has.
    const r = runDashboardCli(['--run', run, '--host', '192.0.2.1']);
    expect({ status: r.status, stderr: r.stderr.trim() }).toEqual({
      status: 1,
      stderr: 'error: Expected `--host 192.0.2.1` to be an address of this machine, but none of its interfaces has it (EADDRNOTAVAIL)',
    });
  });
});
