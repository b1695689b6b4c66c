import { spawnSync } from 'node:child_process';
import { existsSync, promises as fs } from 'node:fs';
import * as path from 'node:path';
import { FileWriteError } from '@digitfuse/core';
import { useTempDir } from '@digitfuse/core/testing';
import { checkTrainOut, moveIntoOut, trainStaging } from './train-out';

const tmp = useTempDir('train-out-', 'each');
/** The pid of a process that has exited (a train killed mid-save). */
const deadPid = (): number => spawnSync(process.execPath, ['-e', '']).pid!;

async function modelFolder(dir: string, tag: string): Promise<void> {
  await fs.mkdir(dir, { recursive: true });
  for (const f of ['model.json', 'weights.bin', 'meta.json', 'metrics.json']) await fs.writeFile(path.join(dir, f), `${tag} ${f}`);
}

describe('checkTrainOut()', () => {
  it('takes a new or empty folder, and an earlier model only with force', async () => {
    const out = path.join(tmp(), 'm');
    expect(checkTrainOut(out, false)).toBe(out);
    await fs.mkdir(out);
    expect(checkTrainOut(out, false)).toBe(out);
    await modelFolder(out, 'old');
    expect(() => checkTrainOut(out, false)).toThrow(FileWriteError);
    expect(() => checkTrainOut(out, false)).toThrow('add --force to replace it');
    expect(checkTrainOut(out, true)).toBe(out);
  });

  it('refuses, even with force, a folder holding files train did not write, or model files without meta.json', async () => {
    const out = path.join(tmp(), 'm');
    await modelFolder(out, 'old');
    await fs.writeFile(path.join(out, 'notes.txt'), 'mine');
    expect(() => checkTrainOut(out, true)).toThrow(`found notes.txt there`);
    await fs.rm(path.join(out, 'notes.txt'));
    await fs.rm(path.join(out, 'meta.json'));
    expect(() => checkTrainOut(out, true)).toThrow(`found metrics.json, model.json, weights.bin there`);
  });
});

describe('trainStaging() / moveIntoOut()', () => {
  it('replaces an earlier model whole and leaves nothing beside it', async () => {
    const out = path.join(tmp(), 'm');
    await modelFolder(out, 'old');
    const staging = await trainStaging(out);
    await modelFolder(staging, 'new');
    expect(await moveIntoOut(staging, out, out, true)).toBe(true);
    expect(await fs.readFile(path.join(out, 'metrics.json'), 'utf8')).toBe('new metrics.json');
    expect((await fs.readdir(tmp())).sort()).toEqual(['m']);
  });

  it('moves into a new or empty folder, and refuses an earlier model without force, keeping both', async () => {
    const out = path.join(tmp(), 'm');
    let staging = await trainStaging(out);
    await modelFolder(staging, 'first');
    expect(await moveIntoOut(staging, out, out, false)).toBe(false);
    staging = await trainStaging(out);
    await modelFolder(staging, 'second');
    await expect(moveIntoOut(staging, out, out, false)).rejects.toThrow('add --force to replace it');
    expect(await fs.readFile(path.join(out, 'meta.json'), 'utf8')).toBe('first meta.json');
  });

  it("removes a killed train's staging folder, and keeps a killed swap's earlier model while --out is missing", async () => {
    const out = path.join(tmp(), 'm');
    const pid = deadPid();
    await modelFolder(path.join(tmp(), `.m.training-${pid}`), 'killed');
    await modelFolder(path.join(tmp(), `.m.replaced-${pid}`), 'only copy');
    await trainStaging(out);
    expect(existsSync(path.join(tmp(), `.m.training-${pid}`))).toBe(false);
    expect(existsSync(path.join(tmp(), `.m.replaced-${pid}`))).toBe(true);
  });
});
