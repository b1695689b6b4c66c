import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { folderProblem, inputFileProblem, readProblem, somethingAt } from './input-file';
import { useTempDir } from './testing';

const tmp = useTempDir('input-file-', 'each');
const errno = (code: string) => Object.assign(new Error(`${code}: some system text`), { code });

describe('inputFileProblem()', () => {
  it('is null for a file it may read', () => {
    writeFileSync(join(tmp(), 'a.csv'), 'x');
    expect(inputFileProblem(join(tmp(), 'a.csv'))).toBeNull();
  });

  it('says what stands there instead: nothing, a broken link, a folder, a file in the way, a FIFO', () => {
    writeFileSync(join(tmp(), 'file'), 'x');
    mkdirSync(join(tmp(), 'folder'));
    symlinkSync(join(tmp(), 'gone.csv'), join(tmp(), 'link.csv'));
    expect(inputFileProblem(join(tmp(), 'absent.csv'))).toBe('no such file');
    expect(inputFileProblem(join(tmp(), 'link.csv'))).toBe(`a broken symbolic link (to \`${join(tmp(), 'gone.csv')}\`, which does not exist)`);
    expect(inputFileProblem(join(tmp(), 'folder'))).toBe('a folder');
    expect(inputFileProblem(join(tmp(), 'file', 'a.csv'))).toBe('no such file (a file is in the way of one of its folders)');
    if (spawnSync('mkfifo', [join(tmp(), 'fifo')]).status === 0) expect(inputFileProblem(join(tmp(), 'fifo'))).toBe('a FIFO (named pipe), not a file');
  });

  it('names a file it may not read, or the folder on its path it may not enter (run as a user other than root)', () => {
    writeFileSync(join(tmp(), 'secret.csv'), 'x');
    mkdirSync(join(tmp(), 'closed'));
    writeFileSync(join(tmp(), 'closed', 'a.csv'), 'x');
    // Root may read anything: what it may not is what the error says, whoever runs the spec.
    expect(readProblem(errno('EACCES'), join(tmp(), 'secret.csv'))).toBe('a file it may not read (permission denied, EACCES)');
    expect(readProblem(errno('EPERM'), join(tmp(), 'secret.csv'))).toBe('a file it may not read (operation not permitted, EPERM)');
    if (process.getuid?.() === 0) return;
    chmodSync(join(tmp(), 'secret.csv'), 0);
    chmodSync(join(tmp(), 'closed'), 0);
    try {
      expect(inputFileProblem(join(tmp(), 'secret.csv'))).toBe('a file it may not read (permission denied, EACCES)');
      expect(inputFileProblem(join(tmp(), 'closed', 'a.csv'))).toBe(`no access to the folder \`${join(tmp(), 'closed')}\` on its path (permission denied, EACCES)`);
    } finally {
      chmodSync(join(tmp(), 'closed'), 0o755);
    }
  });
});

describe('readProblem()', () => {
  it('words every error a read can end in, with its code', () => {
    const at = join(tmp(), 'x.npy');
    expect(readProblem(errno('ENOENT'), at)).toBe('no such file');
    expect(readProblem(errno('EISDIR'), at)).toBe('a folder');
    expect(readProblem(errno('ENOTDIR'), at)).toBe('no such file (a file is in the way of one of its folders)');
    expect(readProblem(errno('ELOOP'), at)).toBe('a file it cannot read (too many symbolic links (a loop?) in its path, ELOOP)');
    expect(readProblem(errno('EIO'), at)).toBe('a file it cannot read (an input/output error of the device, EIO)');
    expect(readProblem(errno('EWHATEVER'), at)).toBe('a file it cannot read (EWHATEVER)');
  });
});

describe('somethingAt()', () => {
  it('is true for a file, a folder and a broken link, false for nothing', () => {
    writeFileSync(join(tmp(), 'file'), 'x');
    symlinkSync('gone', join(tmp(), 'link'));
    expect([join(tmp(), 'file'), tmp(), join(tmp(), 'link')].map(somethingAt)).toEqual([true, true, true]);
    expect([join(tmp(), 'absent'), join(tmp(), 'file', 'x')].map(somethingAt)).toEqual([false, false]);
  });
});

describe('folderProblem()', () => {
  it('is null for a folder, or a symbolic link to one', () => {
    mkdirSync(join(tmp(), 'folder'));
    symlinkSync(join(tmp(), 'folder'), join(tmp(), 'to-folder'));
    expect(folderProblem(join(tmp(), 'folder'))).toBeNull();
    expect(folderProblem(join(tmp(), 'to-folder'))).toBeNull();
  });

  it('says what stands there instead, as the end of `Expected ..., found`: nothing (also under a file), a file, a FIFO, a broken link, a link loop', () => {
    writeFileSync(join(tmp(), 'file'), 'x');
    symlinkSync(join(tmp(), 'gone'), join(tmp(), 'broken'));
    symlinkSync('loop', join(tmp(), 'loop'));
    expect(folderProblem(join(tmp(), 'absent'))).toEqual({ kind: 'nothing', found: 'no such folder' });
    expect(folderProblem(join(tmp(), 'file', 'sub'))).toEqual({ kind: 'nothing', found: 'no such folder' });
    expect(folderProblem(join(tmp(), 'file'))).toEqual({ kind: 'file', found: 'a file' });
    expect(folderProblem(join(tmp(), 'broken'))).toEqual({ kind: 'other', found: `a broken symbolic link (to \`${join(tmp(), 'gone')}\`, which does not exist)` });
    expect(folderProblem(join(tmp(), 'loop'))).toEqual({ kind: 'other', found: 'a folder it cannot look at (too many symbolic links (a loop?) in its path (ELOOP))' });
    if (spawnSync('mkfifo', [join(tmp(), 'fifo')]).status === 0) expect(folderProblem(join(tmp(), 'fifo'))).toEqual({ kind: 'other', found: 'a FIFO (named pipe)' });
  });
});
