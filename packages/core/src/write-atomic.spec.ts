import { spawn, spawnSync } from 'node:child_process';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { useFullDisk } from './testing';
import { UsageError } from './errors';
import { readProblem } from './input-file';
import { checkOutputFile, checkOutputFolder, diskProblem, FileWriteError, makeDirs, outputFolderProblem, processAlive, writeFileAtomic, writeFileAtomicAsync, writeFilesAtomic, writeProblem } from './write-atomic';

let dir: string;
beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'core-atomic-'))));
afterEach(() => rmSync(dir, { recursive: true, force: true }));

/** The pid of a process that has exited (a writer killed mid-write). */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

describe('processAlive()', () => {
  it('is true for this process and a running one, false for one that has ended', () => {
    expect(processAlive(process.pid)).toBe(true);
    expect(processAlive(process.ppid)).toBe(true);
    expect(processAlive(deadPid())).toBe(false);
  });

  (existsSync('/proc/self/stat') ? it : it.skip)('takes a zombie (ended, not reaped: a killed run in a container whose first process reaps none) for ended', async () => {
    // The child's parent becomes `sleep 30` (exec), which never reaps it: a zombie until the shell's end.
    // The child prints its own pid and ends only a moment later, once its parent has surely run exec:
    // a shell that had not yet (`sleep 0 & echo $!; exec ...`) could reap it first (seen once on CI).
    const parent = spawn('sh', ['-c', 'sh -c \'echo $$; exec sleep 0.3\' & exec sleep 30'], { stdio: ['ignore', 'pipe', 'ignore'] });
    try {
      const pid = Number(await new Promise<string>((resolve) => parent.stdout.once('data', (d: Buffer) => resolve(d.toString()))));
      let state = '';
      for (let t0 = Date.now(); state !== 'Z' && Date.now() - t0 < 5000; await new Promise((r) => setTimeout(r, 20))) {
        const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
        state = stat[stat.lastIndexOf(')') + 2];
      }
      expect(state).toBe('Z');
      expect(() => process.kill(pid, 0)).not.toThrow(); // what processAlive() went by
      expect(processAlive(pid)).toBe(false);
    } finally {
      parent.kill('SIGKILL');
    }
  });
});

describe('makeDirs()', () => {
  it('creates the missing folders, and is content with a folder that exists', () => {
    makeDirs(join(dir, 'a', 'b', 'c'));
    expect(statSync(join(dir, 'a', 'b', 'c')).isDirectory()).toBe(true);
    expect(() => makeDirs(join(dir, 'a'))).not.toThrow();
  });

  it('throws ENOTDIR for a file in the way, or at the path', () => {
    writeFileSync(join(dir, 'f'), 'x');
    expect(() => makeDirs(join(dir, 'f', 'sub'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(() => makeDirs(join(dir, 'f'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    expect(readFileSync(join(dir, 'f'), 'utf8')).toBe('x');
  });

  it('makes the folder a symbolic link leads to when it is not there yet (the link kept), also one on the way; links in a loop throw ELOOP', () => {
    symlinkSync(join('elsewhere', 'runs', 'r1'), join(dir, 'latest'));
    makeDirs(join(dir, 'latest'));
    expect(lstatSync(join(dir, 'latest')).isSymbolicLink()).toBe(true);
    expect(statSync(join(dir, 'elsewhere', 'runs', 'r1')).isDirectory()).toBe(true);
    symlinkSync('later', join(dir, 'via'));
    makeDirs(join(dir, 'via', 'a', 'b'));
    expect(statSync(join(dir, 'later', 'a', 'b')).isDirectory()).toBe(true);
    // A link to a file: the file is in the way.
    writeFileSync(join(dir, 'f'), 'x');
    symlinkSync('f', join(dir, 'to-file'));
    expect(() => makeDirs(join(dir, 'to-file'))).toThrow(expect.objectContaining({ code: 'ENOTDIR' }));
    symlinkSync('loop-b', join(dir, 'loop-a'));
    symlinkSync('loop-a', join(dir, 'loop-b'));
    expect(() => makeDirs(join(dir, 'loop-a', 'sub'))).toThrow(expect.objectContaining({ code: 'ELOOP' }));
    expect(() => writeFileAtomic(join(dir, 'loop-a', 'x.json'), '{}')).toThrow(`Cannot write \`${join(dir, 'loop-a', 'x.json')}\`: too many symbolic links (a loop?) in its path (ELOOP)`);
  });

  (existsSync('/proc/self') ? it : it.skip)("throws where a mkdir fails under a folder that exists (/proc), where Node 20's recursive mkdir loops forever", () => {
    // In a child process with a time limit, so that a loop fails the test rather than hangs the run.
    const code = `try { require(${JSON.stringify(require.resolve('./write-atomic'))}).makeDirs('/proc/digitfuse-no-such/sub') } catch (e) { console.log(e.code) }`;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '-e', code], { encoding: 'utf8', timeout: 30_000 });
    expect({ signal: r.signal, stdout: r.stdout.trim() }).toEqual({ signal: null, stdout: 'ENOENT' });
  });
});

describe('writeFileAtomic()', () => {
  it('creates parent folders, replaces the file and leaves no temp file', () => {
    const path = join(dir, 'a', 'b.txt');
    writeFileAtomic(path, 'one');
    writeFileAtomic(path, 'two');
    expect(readFileSync(path, 'utf8')).toBe('two');
    expect(readdirSync(join(dir, 'a'))).toEqual(['b.txt']);
  });

  it('writes bytes, and keeps the mode of the file it replaces', () => {
    const path = join(dir, 'b.bin');
    writeFileSync(path, 'old');
    chmodSync(path, 0o640);
    writeFileAtomic(path, new Uint8Array([1, 2, 255]));
    expect([...readFileSync(path)]).toEqual([1, 2, 255]);
    expect(statSync(path).mode & 0o777).toBe(0o640);
  });

  it("removes what an interrupted writer left beside the file, but not a live writer's temp file or the user's files", () => {
    const path = join(dir, 'run.json');
    const stale = `.run.json.digitfuse-${deadPid()}-3.tmp`;
    const live = `.run.json.digitfuse-${process.ppid}-1.tmp`;
    for (const name of [stale, live, 'run.json.1', '.other.json.digitfuse-1-1.tmp']) writeFileSync(join(dir, name), 'x');
    writeFileAtomic(path, '{}');
    expect(readdirSync(dir).sort()).toEqual([live, '.other.json.digitfuse-1-1.tmp', 'run.json', 'run.json.1'].sort());
  });

  it("writes through a symbolic link at the path: the link is kept and the file it leads to replaced, also one not there yet", async () => {
    writeFileSync(join(dir, 'real.csv'), 'old\n');
    symlinkSync('real.csv', join(dir, 'link.csv'));
    symlinkSync(join(dir, 'link.csv'), join(dir, 'link-to-link.csv'));
    writeFileAtomic(join(dir, 'link-to-link.csv'), 'new\n');
    expect(lstatSync(join(dir, 'link-to-link.csv')).isSymbolicLink()).toBe(true);
    expect(lstatSync(join(dir, 'link.csv')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'real.csv'), 'utf8')).toBe('new\n');
    await writeFileAtomicAsync(join(dir, 'link.csv'), 'newer\n');
    expect(lstatSync(join(dir, 'link.csv')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'real.csv'), 'utf8')).toBe('newer\n');
    // A link whose file is not there yet (dangling): the file is made where it leads, in its folder.
    symlinkSync(join('later', 'sub.csv'), join(dir, 'dangling.csv'));
    writeFileAtomic(join(dir, 'dangling.csv'), 'made\n');
    expect(lstatSync(join(dir, 'dangling.csv')).isSymbolicLink()).toBe(true);
    expect(readFileSync(join(dir, 'later', 'sub.csv'), 'utf8')).toBe('made\n');
    expect(readdirSync(dir).sort()).toEqual(['dangling.csv', 'later', 'link-to-link.csv', 'link.csv', 'real.csv']);
    // Two links that lead to each other.
    symlinkSync('b.csv', join(dir, 'a.csv'));
    symlinkSync('a.csv', join(dir, 'b.csv'));
    expect(() => writeFileAtomic(join(dir, 'a.csv'), 'x')).toThrow(`Cannot write \`${join(dir, 'a.csv')}\`: too many symbolic links (a loop?) in its path (ELOOP)`);
    expect(lstatSync(join(dir, 'a.csv')).isSymbolicLink()).toBe(true);
  });

  it('names the file when a folder is in the way, and leaves nothing behind', () => {
    writeFileSync(join(dir, 'blocker'), 'mine');
    const path = join(dir, 'blocker', 'x.json');
    expect(() => writeFileAtomic(path, '{}')).toThrow(FileWriteError);
    expect(() => writeFileAtomic(path, '{}')).toThrow(`Cannot write \`${path}\`: a file is in the way of one of its folders`);
    expect(readFileSync(join(dir, 'blocker'), 'utf8')).toBe('mine');
  });

  it('names the file when its name is too long or its path loops through symbolic links', () => {
    const long = join(dir, 'x'.repeat(300), 'a.png');
    expect(() => writeFileAtomic(long, '{}')).toThrow(FileWriteError);
    expect(() => writeFileAtomic(long, '{}')).toThrow(`Cannot write \`${long}\`: the name or path is too long (ENAMETOOLONG); the file was left as it was`);
    symlinkSync('loop', join(dir, 'loop'));
    const looped = join(dir, 'loop', 'a.png');
    expect(() => writeFileAtomic(looped, '{}')).toThrow(`Cannot write \`${looped}\`: too many symbolic links (a loop?) in its path (ELOOP)`);
  });
});

/** What `f` throws (undefined when it returns). */
function thrown(f: () => void): unknown {
  try {
    f();
  } catch (err) {
    return err;
  }
  return undefined;
}

describe('checkOutputFile()', () => {
  it('accepts a new or existing file, in folders that exist or will be created', () => {
    writeFileSync(join(dir, 'old.json'), '{}');
    for (const path of [join(dir, 'old.json'), join(dir, 'new.json'), join(dir, 'a', 'b', 'c.json')]) expect(() => checkOutputFile(path, 'json')).not.toThrow();
  });

  it('refuses a folder, a path under a file and a folder it may not write in, naming the flag', () => {
    writeFileSync(join(dir, 'afile'), 'x');
    expect(() => checkOutputFile(dir, 'json')).toThrow(`Expected \`--json ${dir}\` to be a file to write, found a folder there; nothing was written`);
    const under = join(dir, 'afile', 'x', 'y.json');
    expect(() => checkOutputFile(under, 'json')).toThrow(
      `Expected \`--json ${under}\` to be a file this process can write, found a file is in the way of one of its folders (ENOTDIR); nothing was written`,
    );
    // What stands on disk, not the command line: exit 1 (a FileWriteError), not a usage error's 2.
    expect(thrown(() => checkOutputFile(dir, 'json'))).toBeInstanceOf(FileWriteError);
    expect(thrown(() => checkOutputFile(dir, 'json'))).not.toBeInstanceOf(UsageError);
    if (process.getuid?.() === 0) return; // root may write anywhere
    chmodSync(dir, 0o500);
    try {
      expect(() => checkOutputFile(join(dir, 'new.json'), 'json')).toThrow(FileWriteError);
    } finally {
      chmodSync(dir, 0o700);
    }
  });
});

describe('checkOutputFolder()', () => {
  it('accepts a folder, or one to be made, and refuses a file or a path under a file, naming the flag', () => {
    writeFileSync(join(dir, 'afile'), 'x');
    expect(() => checkOutputFolder(dir, 'out')).not.toThrow();
    expect(() => checkOutputFolder(join(dir, 'new', 'cache'), 'out')).not.toThrow();
    expect(() => checkOutputFolder(join(dir, 'afile'), 'out')).toThrow(`Expected \`--out ${join(dir, 'afile')}\` to be a folder, found a file there; nothing was written`);
    const under = join(dir, 'afile', 'cache');
    expect(() => checkOutputFolder(under, 'cache-dir', 'a folder for the cache')).toThrow(
      `Expected \`--cache-dir ${under}\` to be a folder for the cache, found a file at \`${join(dir, 'afile')}\`; nothing was written`,
    );
    expect(thrown(() => checkOutputFolder(under, 'cache-dir'))).toBeInstanceOf(FileWriteError);
    expect(thrown(() => checkOutputFolder(under, 'cache-dir'))).not.toBeInstanceOf(UsageError);
  });
});

describe('writeFileAtomicAsync()', () => {
  it('writes strings and bytes, creating parent folders', async () => {
    await writeFileAtomicAsync(join(dir, 'x', 'a.json'), '{}\n');
    await writeFileAtomicAsync(join(dir, 'x', 'b.bin'), new Uint8Array(new Float32Array([1.5]).buffer));
    expect(readFileSync(join(dir, 'x', 'a.json'), 'utf8')).toBe('{}\n');
    expect(readFileSync(join(dir, 'x', 'b.bin')).readFloatLE(0)).toBe(1.5);
    expect(readdirSync(join(dir, 'x')).sort()).toEqual(['a.json', 'b.bin']);
  });
});

describe('writeFilesAtomic()', () => {
  it('writes files that belong together', () => {
    writeFilesAtomic([
      [join(dir, 'a.png'), 'A'],
      [join(dir, 'sub', 'b.png'), new Uint8Array([66])],
    ]);
    expect([readFileSync(join(dir, 'a.png'), 'utf8'), readFileSync(join(dir, 'sub', 'b.png'), 'utf8')]).toEqual(['A', 'B']);
  });

  it('replaces none of them when one cannot be written, naming it; no temporary file is left', () => {
    writeFileSync(join(dir, 'a.png'), 'old');
    writeFileSync(join(dir, 'not-a-folder'), 'x');
    const second = join(dir, 'not-a-folder', 'b.png');
    expect(() =>
      writeFilesAtomic([
        [join(dir, 'a.png'), 'new'],
        [second, 'B'],
      ]),
    ).toThrow(FileWriteError);
    expect(() => writeFilesAtomic([[join(dir, 'a.png'), 'new'], [second, 'B']])).toThrow(`\`${second}\``);
    expect(readFileSync(join(dir, 'a.png'), 'utf8')).toBe('old');
    expect(readdirSync(dir).sort()).toEqual(['a.png', 'not-a-folder']);
    // A folder where the second file goes (its rename would fail after the first's).
    makeDirs(join(dir, 'b.png'));
    expect(() => writeFilesAtomic([[join(dir, 'a.png'), 'new'], [join(dir, 'b.png'), 'B']])).toThrow(
      `Cannot write \`${join(dir, 'b.png')}\`: a folder is in the way (EISDIR); the file was left as it was`,
    );
    expect(readFileSync(join(dir, 'a.png'), 'utf8')).toBe('old');
    expect(readdirSync(dir).sort()).toEqual(['a.png', 'b.png', 'not-a-folder']);
  });
});

describe('on a full disk', () => {
  const disk = useFullDisk(64);

  it('writeFilesAtomic keeps a pair whose second file no longer fits as it was (the first not replaced)', () => {
    // Before, figures wrote digits-grid.png and then failed on mfcc-per-digit.png: a new one beside an old one.
    const root = disk();
    if (!root) return;
    const [a, b] = [join(root, 'digits-grid.png'), join(root, 'mfcc-per-digit.png')];
    writeFilesAtomic([
      [a, new Uint8Array(1000).fill(1)],
      [b, new Uint8Array(1000).fill(2)],
    ]);
    expect(() =>
      writeFilesAtomic([
        [a, new Uint8Array(1000).fill(3)],
        [b, new Uint8Array(200_000)],
      ]),
    ).toThrow(`Cannot write \`${b}\`: no space left on the device (ENOSPC)`);
    expect([readFileSync(a), readFileSync(b)]).toEqual([Buffer.alloc(1000, 1), Buffer.alloc(1000, 2)]);
    expect(readdirSync(root).sort()).toEqual(['digits-grid.png', 'mfcc-per-digit.png']);
  });

  it.each([
    ['writeFileAtomic', async (p: string, d: Uint8Array) => writeFileAtomic(p, d)],
    ['writeFileAtomicAsync', (p: string, d: Uint8Array) => writeFileAtomicAsync(p, d)],
  ])('%s says which file could not be written and keeps the old version whole', async (_, write) => {
    const root = disk();
    if (!root) return;
    const path = join(root, 'model', 'weights.bin');
    await write(path, new Uint8Array(1000).fill(7));
    await expect(write(path, new Uint8Array(200_000))).rejects.toThrow(`Cannot write \`${path}\`: no space left on the device (ENOSPC); the file was left as it was`);
    expect(readFileSync(path)).toEqual(Buffer.alloc(1000, 7));
    expect(readdirSync(join(root, 'model'))).toEqual(['weights.bin']);
    expect(existsSync(join(root, 'model', 'weights.bin'))).toBe(true);
  });
});

describe('writeProblem()', () => {
  it('is null for a new file or folder, however deep, under a folder one may write in', () => {
    expect(writeProblem(join(dir, 'a', 'b', 'c.txt'))).toBeNull();
    expect(writeProblem(join(dir, 'x'))).toBeNull();
    expect(existsSync(join(dir, 'a'))).toBe(false);
  });

  it('names a file in the way of one of the folders, without writing anything', () => {
    writeFileSync(join(dir, 'file.txt'), 'keep');
    expect(writeProblem(join(dir, 'file.txt', 'm'))).toBe('a file is in the way of one of its folders (ENOTDIR)');
    expect(writeProblem(join(dir, 'file.txt', 'a', 'b'))).toBe('a file is in the way of one of its folders (ENOTDIR)');
    expect(readFileSync(join(dir, 'file.txt'), 'utf8')).toBe('keep');
  });

  it('names symbolic links in a loop on the path, or on the way of a link to the file (a write found them after all the work)', () => {
    symlinkSync('loop', join(dir, 'loop'));
    symlinkSync(join(dir, 'loop', 'sub.csv'), join(dir, 'to-loop.csv'));
    for (const path of [join(dir, 'loop'), join(dir, 'loop', 'x.csv'), join(dir, 'to-loop.csv')]) expect(writeProblem(path)).toBe('too many symbolic links (a loop?) in its path (ELOOP)');
  });

  it('finds a folder where nothing can be made though access() says it may write there, and leaves nothing behind where it can', () => {
    if (existsSync('/proc/self') && process.getuid?.() === 0) {
      // Root passes access() on /proc; its every mkdir fails (ENOENT): the write failed at the end.
      expect(writeProblem('/proc/digitfuse-no-such/x.csv')).toBe('no way to make anything in `/proc` (ENOENT)');
      expect(outputFolderProblem('/proc/digitfuse-no-such')).toBe('no way to make anything in `/proc` (ENOENT)');
    }
    expect(writeProblem(join(dir, 'new.csv'))).toBeNull();
    expect(outputFolderProblem(join(dir, 'new'))).toBeNull();
    expect(readdirSync(dir)).toEqual([]);
  });
});

describe('outputFolderProblem(path, files)', () => {
  it('names a folder where one of the files the command writes goes (its write failed after all the work)', () => {
    writeFileSync(join(dir, 'a.png'), 'an earlier figure, to be replaced');
    expect(outputFolderProblem(dir, ['a.png', 'b.png'])).toBeNull();
    mkdirSync(join(dir, 'b.png'));
    expect(outputFolderProblem(dir, ['a.png', 'b.png'])).toBe(`a folder at \`${join(dir, 'b.png')}\`, the name of a file it writes`);
    expect(() => checkOutputFolder(dir, 'out', 'a folder for the figures', ['a.png', 'b.png'])).toThrow(
      `Expected \`--out ${dir}\` to be a folder for the figures, found a folder at \`${join(dir, 'b.png')}\`, the name of a file it writes; nothing was written`,
    );
  });
});

describe('diskProblem()', () => {
  const failed = (code: string) => Object.assign(new Error(`${code}: failed`), { code });
  it('says in words what any file operation the user can fix met, as reading says it (one table), and what a write means by the rest', () => {
    // Too many open files was a bug with a stack trace on a write, and one line on a read.
    expect(diskProblem(failed('EMFILE'))).toBe('too many open files (EMFILE)');
    expect(readProblem(failed('EMFILE'), join(dir, 'x'))).toBe('a file it cannot read (too many open files, EMFILE)');
    expect(diskProblem(failed('ENOSPC'))).toBe('no space left on the device (ENOSPC)');
    expect(diskProblem(failed('ENOTDIR'))).toBe('a file is in the way of one of its folders (ENOTDIR)');
    expect(diskProblem(failed('EBADF'))).toBeUndefined(); // a bug
  });
});
