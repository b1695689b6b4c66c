import { spawn } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { processAlive } from '../write-atomic';
import { PARENT_PID_ENV } from './end-with-parent';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A parent process that starts a child calling endWithParent(100), with PARENT_PID_ENV set to the
 * parent's pid (`named`) or to another one; the parent is then killed outright (SIGKILL). Returns
 * whether the child stopped through its SIGTERM handler, and whether it is still running, 2 s later.
 */
async function killParentOf(named: 'parent' | 'another'): Promise<{ stopped: boolean; alive: boolean }> {
  const stopped = join(tmpdir(), `end-with-parent-${process.pid}-${named}`);
  rmSync(stopped, { force: true });
  const child = [
    `process.on('SIGTERM', () => { require('node:fs').writeFileSync(${JSON.stringify(stopped)}, 'yes'); process.exit(0); });`,
    `require(${JSON.stringify(require.resolve('./end-with-parent'))}).endWithParent(100);`,
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
  await sleep(1500); // the child is up and watching
  p.kill('SIGKILL');
  await sleep(2000);
  const result = { stopped: existsSync(stopped), alive: processAlive(pid) };
  if (result.alive) process.kill(pid, 'SIGKILL');
  rmSync(stopped, { force: true });
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
