import { runScript } from '@digitfuse/core/testing';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

jest.setTimeout(120_000);

const SCRIPT = 'packages/analysis/src/bench/tsne-libraries.ts';
const libs = mkdtempSync(join(tmpdir(), 'tsne-libs-'));
afterAll(() => rmSync(libs, { recursive: true, force: true }));

describe('analysis:bench (spawned)', () => {
  it('runs our t-SNE and reports a library that is not installed in --libs', () => {
    const r = runScript(SCRIPT, ['--libs', libs, '--only', 'ours,tsne', '--points', '60', '--dims', '8', '--iterations', '30']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toBe('t-SNE of 60 points x 8 dims (10 Gaussian blobs, separation 0.5), 30 iterations');
    expect(JSON.parse(lines[1])).toMatchObject({ name: 'ours', iterations: 30 });
    expect(JSON.parse(lines[2])).toMatchObject({ name: 'tsne', iterations: 0, ari: null, note: `not installed in ${libs}` });
  });

  it.each([
    [['--onyl', 'ours'], 'error: Unknown argument: --onyl; did you mean --only? (see --help)'],
    [['--points', 'abc'], 'error: Expected --points to be a number written in decimal (12, 0.5, 1e-3), found `abc` (see --help)'],
    [['--points', '0'], 'error: Expected --points to be a positive integer, found 0'],
    [['--iterations', '1.5'], 'error: Expected --iterations to be a positive integer, found 1.5'],
    [['--budget', '0'], 'error: Expected --budget to be a positive number of seconds, found 0'],
    [['--only', 'ours,tnse'], 'error: Expected --only to list some of ours, druid, tsne-js, tsne, @keckelt/tsne, found `tnse`'],
    [['--libs', '/nonexistent/libs'], 'error: Expected `--libs /nonexistent/libs` to be the folder the libraries are installed in, found no such folder'],
  ])('refuses %j in one line with exit code 2, before any work', (args, message) => {
    const r = runScript(SCRIPT, args);
    expect({ status: r.status, stderr: r.stderr, stdout: r.stdout }).toEqual({ status: 2, stderr: `${message}\n`, stdout: '' });
  });
});
