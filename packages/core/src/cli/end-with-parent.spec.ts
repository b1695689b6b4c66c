import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../write-atomic';
import { PARENT_PID_ENV } from './end-with-parent';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A parent process that starts a child calling endWithParent(100), with PARENT_PID_ENV set to the
 * parent's pid (`named`) or to another one; once the child watches (it says so in a file: under
 * load its start takes seconds), the parent is killed outright (SIGKILL). Returns whether the child
 * stopped through its SIGTERM handler, and whether it is still running, 2 s after the kill (the
 * named parent's child: once it has ended, 10 s at the most).
 */
async function killParentOf(named: 'parent' | 'another'): Promise<{ stopped: boolean; alive: boolean }> {
  const stopped = join(tmpdir(), `end-with-parent-${process.pid}-${named}`);
  const watching = `${stopped}.watching`;
  rmSync(stopped, { force: true });
  rmSync(watching, { force: true });
  const child = [
    `process.on('SIGTERM', () => { require('node:fs').writeFileSync(${JSON.stringify(stopped)}, 'yes'); process.exit(0); });`,
    `require(${JSON.stringify(require.resolve('./end-with-parent'))}).endWithParent(100);`,
    `require('node:fs').writeFileSync(${JSON.stringify(watching)}, 'yes');`,
    `setInterval(() => undefined, 1000);`,
  ].join('\n');
  const parent = [
    `const { spawn } = require('node:child_process');`,
    `const env = { ...process.env, ${PARENT_PID_ENV}: ${named === 'parent' ? 'String(process.pid)' : "'1'"} };`,
    `const c = spawn(process.execPath, ['--import', 'tsx', '-e', ${JSON.stringify(child)}], { stdio: 'ignore', env, detached: true });`,
    `process.stdout.write(c.pid + '\\n');`,
    `setInterval(() => undefined, 1000);`,
  ].join('\n');
  const p = spawn(process.execPath, ['-e', parent], { stdio: ['ignore', 'pipe', 'inherit'] });
  const pid = await new Promise<number>((resolve) => p.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))));
  for (const t0 = Date.now(); !existsSync(watching) && Date.now() - t0 < 20_000; ) await sleep(50);
  p.kill('SIGKILL');
  await sleep(2000);
  const settle = named === 'parent' ? 8000 : 0; // a loaded machine may take a while to stop the one that should stop
  for (const t0 = Date.now(); processAlive(pid) && Date.now() - t0 < settle; ) await sleep(100);
  const result = { stopped: existsSync(stopped), alive: processAlive(pid) };
  if (result.alive) process.kill(pid, 'SIGKILL');
  rmSync(stopped, { force: true });
  rmSync(watching, { force: true });
  return result;
}

describe('endWithParent()', () => {
  it('stops a process (as SIGTERM does) whose parent, named by DIGITFUSE_PARENT_PID, was killed outright: a dead run\'s workers trained on', async () => {
    expect(await killParentOf('parent')).toEqual({ stopped: true, alive: false });
  }, 30_000);

  it('leaves alone a process the variable does not name the parent of (a user\'s own node main.ts under nohup)', async () => {
    expect(await killParentOf('another')).toEqual({ stopped: false, alive: true });
  }, 30_000);
});
