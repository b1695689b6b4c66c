/**
 * The webgpu backend for real, without a GPU: Dawn on Mesa's software Vulkan driver (lavapipe, Mesa
 * >= 24; Debian 12: bookworm-backports), in spawned processes as a user runs them. `.ci/run` installs
 * it and names its driver manifest in DIGITFUSE_TEST_LAVAPIPE (and hides it from the other specs,
 * which then run as on a machine without a GPU driver); elsewhere the spec finds the manifest itself,
 * or skips with one loud line (never on CI).
 */
import { existsSync, promises as fs, readdirSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { cannotRun, onCi, runScript } from '@digitfuse/core/testing';
import { writeNpy } from '@digitfuse/data';
import { randomInputs } from '../../testing';

// Shaders compile on the CPU there: tens of seconds for the paper-size model.
jest.setTimeout(300_000);

/** Mesa's lavapipe driver manifest: DIGITFUSE_TEST_LAVAPIPE, else one in the system's icd.d folder. */
function lavapipeManifest(): string | undefined {
  const named = process.env['DIGITFUSE_TEST_LAVAPIPE'];
  if (named) return named;
  const dir = '/usr/share/vulkan/icd.d';
  const file = existsSync(dir) ? readdirSync(dir).find((f) => f.startsWith('lvp_icd') && f.endsWith('.json')) : undefined;
  return file && path.join(dir, file);
}

const manifest = lavapipeManifest();
if (manifest == null) {
  cannotRun('the webgpu specs', "no lavapipe driver manifest: install Mesa's mesa-vulkan-drivers >= 24 (see .ci/run)");
}
const describeLavapipe = manifest == null ? describe.skip : describe;

describeLavapipe("--backend webgpu on Mesa's software Vulkan (lavapipe)", () => {
  const env = { ...process.env, VK_DRIVER_FILES: manifest };
  /** A too-old lavapipe (Mesa < 24) gives Dawn no adapter: a loud skip off CI, a failure on it. */
  const usable = (stderr: string): boolean => {
    if (!stderr.includes('--backend webgpu is not available')) return true;
    if (onCi()) return true; // the expectations below then fail, showing stderr
    process.stderr.write(`SKIPPED: the webgpu specs (lavapipe at ${manifest} gives Dawn no adapter: Mesa >= 24 needed)\n`);
    return false;
  };

  it('one training step of each fusion matches the cpu backend: loss, every gradient (the project filter gradient), Adam (the WGSL update)', () => {
    const r = runScript('packages/model/scripts/gpu-gradient-check.ts', ['--backend', 'webgpu', '--batch', '2'], env);
    if (!usable(r.stderr)) return;
    expect(r.stderr).toContain('backend: webgpu (mesa software');
    const result = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { pass: boolean; checks: { fusion: string; pass: boolean; updateNormRatio: number }[] };
    expect(result.checks.map((c) => [c.fusion, c.pass])).toEqual([
      ['attention', true],
      ['concat', true],
      ['robust', true],
    ]);
    expect({ status: r.status, webgpuErrors: r.stderr.split('\n').filter((l) => l.includes('WebGPU error')) }).toEqual({ status: 0, webgpuErrors: [] });
  });

  it('model:train trains and tests with the progress bar (read without synchronous reads) and exits by itself', async () => {
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'digitfuse-webgpu-'));
    try {
      const rows = randomInputs(48, 1, { learnable: true });
      writeNpy(path.join(dir, 'x_train_wr.npy'), rows.images.map((v) => Math.round(v * 255)), [48, 784]);
      writeNpy(path.join(dir, 'x_train_sp.npy'), rows.audio.map((v) => 1 / (1 + Math.exp(-v))), [48, 507]);
      await fs.writeFile(path.join(dir, 'y_train.csv'), `row_id,label\n${Array.from(rows.labels ?? [], (l, i) => `${i},${l}`).join('\n')}\n`);
      const out = path.join(dir, 'model');
      const args = ['--data', dir, '--out', out, '--cache-dir', path.join(dir, 'cache'), '--backend', 'webgpu', '--image-filters', '4,4,4', '--audio-filters', '4,4,4'];
      const r = runScript('packages/model/src/cli/train.ts', [...args, '--fusion', 'robust', '--batch-size', '16', '--epochs', '2', '--progress', 'bar'], env);
      if (!usable(r.stderr)) return;
      expect(r.stderr).not.toMatch(/error|Synchronous reads/i);
      // An explicit --backend webgpu on a software adapter is said to be slower than the CPU kernels.
      expect(`${r.stdout}${r.stderr}`).toMatch(/note: webgpu runs here on a software adapter .*leave out --backend \(auto\)/);
      // The bar's frames (each redraw reads the running loss and accuracy from the GPU), then the epoch line.
      expect(r.stderr).toMatch(/\repoch 1\/2 \[[=> ]+\] \d+\/\d+ {2}loss \d\.\d{4} {2}acc \d\.\d{4}/);
      expect(r.stderr).toMatch(/epoch 2\/2 {2}loss \d\.\d{4} {2}acc \d\.\d{4} {2}val_loss/);
      expect(r.status).toBe(0);
      expect(existsSync(path.join(out, 'model.json'))).toBe(true);
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
