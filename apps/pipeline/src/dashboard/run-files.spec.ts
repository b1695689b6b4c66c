import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runLayout, type RunState } from '../run-artifacts';
import { resolveRunFile, runLinks } from './run-files';

describe('resolveRunFile()', () => {
  let dir: string;
  let root: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'run-files-'));
    root = join(dir, 'run');
    mkdirSync(join(root, 'report'), { recursive: true });
    mkdirSync(join(root, 'search'), { recursive: true });
    writeFileSync(join(root, 'report', 'report.html'), '<p>report</p>');
    writeFileSync(join(root, 'report', 'history.png'), 'png');
    writeFileSync(join(root, 'submission.csv'), 'row_id,label\n');
    writeFileSync(join(root, 'search', 'study.jsonl'), '{}\n');
    writeFileSync(join(root, 'run.json'), '{}');
    writeFileSync(join(dir, 'outside.html'), 'outside');
    symlinkSync(join(dir, 'outside.html'), join(root, 'report', 'out.html'));
    symlinkSync(join(root, 'report', 'report.html'), join(root, 'report', 'alias.html'));
    mkdirSync(join(root, 'report', 'dir.html'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('gives the real path of the report, its figures and the submission', () => {
    expect(resolveRunFile(root, 'report/report.html')).toBe(join(root, 'report', 'report.html'));
    expect(resolveRunFile(root, 'report/history.png')).toBe(join(root, 'report', 'history.png'));
    expect(resolveRunFile(root, 'submission.csv')).toBe(join(root, 'submission.csv'));
    // A link that stays inside the run directory is followed.
    expect(resolveRunFile(root, 'report/alias.html')).toBe(join(root, 'report', 'report.html'));
  });

  it.each([
    ['another file of the run', 'run.json'],
    ['the study journal', 'search/study.jsonl'],
    ['a parent segment', 'report/../run.json'],
    ['a climb out', '../outside.html'],
    ['an absolute path', '/etc/passwd'],
    ['a backslash path', 'report\\..\\..\\outside.html'],
    ['an encoded separator left after decoding', 'report%2f..%2f..%2foutside.html'],
    ['an empty segment', 'report//report.html'],
    ['a dot segment', './submission.csv'],
    ['a hidden file', 'report/.report.html'],
    ['a NUL byte', 'submission.csv\0.png'],
    ['a link out of the run directory', 'report/out.html'],
    ['a folder', 'report/dir.html'],
    ['a missing file', 'report/missing.png'],
    ['nothing', ''],
  ])('refuses %s', (_what, path) => {
    expect(resolveRunFile(root, path)).toBeNull();
  });

  it('runLinks() lists the report and the submission that exist, the submission only when run.json records its predict stage', () => {
    const state = (stages: Record<string, unknown>) => ({ version: 1, createdAt: '', options: {}, stages }) as unknown as RunState<unknown>;
    expect(runLinks(runLayout(root), state({ predict: { seconds: 1 } })).map((l) => l.href)).toEqual(['/run/report/report.html', '/run/submission.csv']);
    // An earlier search's submission.csv, left when `search --resume --trials N` went on: not linked as the run's.
    expect(runLinks(runLayout(root), state({ data: { seconds: 1 } })).map((l) => l.href)).toEqual(['/run/report/report.html']);
    expect(runLinks(runLayout(root), null).map((l) => l.href)).toEqual(['/run/report/report.html']);
  });
});
