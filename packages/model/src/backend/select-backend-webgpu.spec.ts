import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BackendError } from './backend-error';
import { gpuKernelLayer } from './gpu-kernels/gpu-kernel-layer';
import { installedLayers } from './kernel-layers';
import { releaseBackend, selectBackend } from './select-backend';
import { autoSelectsWasm, fakeAdapter, fakeWebgpu, nativeInstalled, notInstalled, tfjsWebgpuInstalled } from './test-support';
import { NO_SYNC_READ } from './webgpu-backend';

// On this machine neither tfjs-node package is installed, so auto goes on past webgpu to wasm.
const withoutNative = nativeInstalled() ? it.skip : it;
/** Starting tfjs's webgpu backend (on a fake device) needs the real tfjs-backend-webgpu. */
const withTfjsWebgpu = !nativeInstalled() && tfjsWebgpuInstalled() ? it : it.skip;

const WASM_LINE = /^backend: wasm \((no )?SIMD, \d+ threads?\)( \+ native kernels \([^)]+\)|, [^—]+) — /;

afterEach(async () => {
  // Leave no (fake) webgpu backend behind for the next test.
  releaseBackend();
  await tf.setBackend('cpu');
});

describe('selectBackend() with webgpu', () => {
  withoutNative('auto: webgpu not installed -> wasm, and the one line says so', async () => {
    const { info, line } = await autoSelectsWasm();
    expect(line).toMatch(WASM_LINE);
    expect(info.reason).toBe('tfjs-node-gpu not installed, webgpu not installed, tfjs-node not installed');
  });

  withoutNative('auto: no adapter -> wasm, saying it needs a GPU driver with Vulkan', async () => {
    const { info, line } = await autoSelectsWasm(fakeWebgpu(null));
    expect(line).toMatch(WASM_LINE);
    expect(info.reason).toBe('tfjs-node-gpu not installed, no WebGPU adapter (needs a GPU driver with Vulkan), tfjs-node not installed');
  });

  withoutNative('auto: no Vulkan loader -> wasm, without starting Dawn', async () => {
    const runtime = fakeWebgpu(fakeAdapter(), { vulkanMissing: () => 'libvulkan.so.1 not found' });
    const info = await selectBackend('auto', () => undefined, runtime);
    expect(info.name).toBe('wasm');
    expect(info.reason).toBe('tfjs-node-gpu not installed, no WebGPU adapter (libvulkan.so.1 not found; needs a GPU driver with Vulkan), tfjs-node not installed');
    expect(runtime.calls.create).toBe(0);
  });

  withTfjsWebgpu('auto: an adapter -> webgpu, the line names it, the GPU kernel layer on it', async () => {
    const adapter = fakeAdapter();
    const lines: string[] = [];
    const info = await selectBackend('auto', (line) => lines.push(line), fakeWebgpu(adapter));
    expect(info).toEqual({
      name: 'webgpu',
      reason: 'tfjs-node-gpu not installed',
      adapter: { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', fallback: false },
    });
    expect(lines).toEqual(['backend: webgpu (nvidia hopper, NVIDIA H200) — tfjs-node-gpu not installed']);
    expect(tf.getBackend()).toBe('webgpu');
    // The device asks for the adapter's limits, as tfjs-backend-webgpu's own factory does.
    expect(adapter.deviceRequests).toEqual([
      { requiredFeatures: ['timestamp-query'], requiredLimits: { maxBufferSize: 2 ** 32, maxStorageBufferBindingSize: 2 ** 31, maxComputeWorkgroupSizeX: 1024 } },
    ]);
    // Training runs on tfjs-backend-webgpu's own kernels but for the filter gradient (the GPU layer,
    // a batched matrix product over its kernels); the wasm layers stay off.
    expect(installedLayers('webgpu')).toEqual([gpuKernelLayer('webgpu')]);
    expect(gpuKernelLayer('webgpu').kernelNames).toEqual(['Conv2DBackpropFilter', 'DigitfuseAdamDevice']);
    for (const kernel of ['Conv2D', 'Conv2DBackpropFilter', 'Conv2DBackpropInput', 'MaxPoolGrad', 'BatchMatMul', 'PadV2', 'Slice', 'Concat', 'Sum']) {
      expect(tf.getKernel(kernel, 'webgpu')).toBeDefined();
    }
  });

  withTfjsWebgpu('explicit webgpu: uses the adapter; again: same answer, same device', async () => {
    const adapter = fakeAdapter({ info: { vendor: 'amd', architecture: 'rdna-3' } });
    const runtime = fakeWebgpu(adapter);
    const lines: string[] = [];
    const first = await selectBackend('webgpu', (line) => lines.push(line), runtime);
    const second = await selectBackend('webgpu', (line) => lines.push(line), runtime);
    expect(second).toEqual(first);
    expect(lines).toEqual(['backend: webgpu (amd rdna-3) — --backend webgpu', 'backend: webgpu (amd rdna-3) — --backend webgpu']);
    expect(adapter.deviceRequests).toHaveLength(1);
  });

  withTfjsWebgpu('releaseBackend() destroys the device and takes webgpu out of tfjs; selecting again starts again', async () => {
    const adapter = fakeAdapter();
    const runtime = fakeWebgpu(adapter);
    const navigator = (): Record<string, unknown> => (globalThis as unknown as { navigator: Record<string, unknown> }).navigator;
    await selectBackend('webgpu', () => undefined, runtime);
    expect(navigator()['gpu']).toBeDefined();
    releaseBackend();
    expect(adapter.devices.map((d) => d.destroyed)).toEqual([true]);
    expect(tf.findBackendFactory('webgpu') ?? null).toBeNull();
    expect(navigator()['gpu']).toBeUndefined();
    releaseBackend(); // nothing left to release
    await selectBackend('webgpu', () => undefined, runtime);
    expect(tf.getBackend()).toBe('webgpu');
    expect(adapter.devices.map((d) => d.destroyed)).toEqual([true, false]);
  });

  withTfjsWebgpu('dataSync() of a GPU tensor says to use data() (Node has no OffscreenCanvas)', async () => {
    await selectBackend('webgpu', () => undefined, fakeWebgpu(fakeAdapter()));
    const t = tf.tensor1d([1, 2, 3]);
    // Still on the CPU (uploads are lazy): read as before.
    expect(Array.from(t.dataSync())).toEqual([1, 2, 3]);
    // As after a kernel wrote it on the GPU.
    const stored = (tf.backend() as unknown as { tensorMap: { get(dataId: object): { values: unknown } } }).tensorMap;
    stored.get(t.dataId).values = null;
    expect(() => t.dataSync()).toThrow(NO_SYNC_READ);
    t.dispose();
  });

  withoutNative('auto passes over a software adapter (wasm with the project kernels is faster)', async () => {
    const adapter = fakeAdapter({ info: { vendor: 'mesa', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', isFallbackAdapter: true } });
    const info = await selectBackend('auto', () => undefined, fakeWebgpu(adapter));
    expect(info.name).toBe('wasm');
    expect(info.reason).toBe(
      'tfjs-node-gpu not installed, webgpu passed over (only a mesa, llvmpipe (LLVM 15.0.6, 256 bits), software fallback adapter), tfjs-node not installed',
    );
    expect(adapter.deviceRequests).toHaveLength(0);
  });

  withTfjsWebgpu('auto: a device that cannot be created -> wasm, saying why', async () => {
    const info = await selectBackend('auto', () => undefined, fakeWebgpu(fakeAdapter({ deviceError: 'Failed to create device: out of memory' })));
    expect(info.name).toBe('wasm');
    expect(info.reason).toBe(
      'tfjs-node-gpu not installed, webgpu failed to initialise on nvidia hopper, NVIDIA H200 (Failed to create device: out of memory), tfjs-node not installed',
    );
  });

  it('explicit webgpu without the package throws BackendError: expected, found, what to install', async () => {
    const attempt = selectBackend('webgpu', () => undefined, { loadWebgpu: notInstalled('webgpu/package.json') });
    await expect(attempt).rejects.toBeInstanceOf(BackendError);
    await expect(attempt).rejects.toThrow(
      '--backend webgpu is not available: expected the optional package webgpu, found it not installed; npm ci installs the optional packages webgpu and @tensorflow/tfjs-backend-webgpu',
    );
  });

  it('explicit webgpu without an adapter throws BackendError naming the driver to install', async () => {
    const attempt = selectBackend('webgpu', () => undefined, fakeWebgpu(null));
    await expect(attempt).rejects.toBeInstanceOf(BackendError);
    await expect(attempt).rejects.toThrow(
      "--backend webgpu is not available: expected a WebGPU adapter, found none; install a GPU driver with Vulkan (the Vulkan loader libvulkan.so.1, e.g. Debian's libvulkan1, and the GPU vendor's driver)",
    );
    await expect(selectBackend('webgpu', () => undefined, fakeWebgpu(null, { vulkanMissing: () => 'libvulkan.so.1 not found' }))).rejects.toThrow(
      /^--backend webgpu is not available: expected a WebGPU adapter, found none \(libvulkan\.so\.1 not found\); install a GPU driver with Vulkan/,
    );
  });
});

describe('model:bench --backend webgpu without a GPU', () => {
  it('exits 1 with one error line and no stack trace (a real process)', () => {
    const root = path.join(__dirname, '..', '..', '..', '..');
    const tsx = path.join(root, 'node_modules', '.bin', 'tsx');
    // No Vulkan driver, whatever this machine has: the Vulkan loader is pointed at a driver manifest that does not exist.
    const env = { ...process.env, VK_DRIVER_FILES: '/nonexistent/icd.json', VK_ICD_FILENAMES: '/nonexistent/icd.json', DIGITFUSE_DEBUG: '' };
    const run = spawnSync(tsx, [path.join(__dirname, '..', 'cli', 'bench.ts'), '--backend', 'webgpu', '--configs', 'small', '--steps', '1'], {
      encoding: 'utf8',
      env,
    });
    expect(run.status).toBe(1);
    const lines = run.stderr.trim().split('\n');
    const errors = lines.filter((line) => line.startsWith('error:'));
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatch(
      /^error: --backend webgpu is not available: expected (a WebGPU adapter, found none \((libvulkan\.so\.1 not found|VK_DRIVER_FILES names no driver manifest that exists)\); install a GPU driver with Vulkan|the optional package webgpu, found it not installed; npm ci installs)/,
    );
    expect(run.stderr).not.toMatch(/\bat .*\.[jt]s:\d+/);
    expect(run.stdout).toBe('');
    // Dawn is not even started (no loader, or no driver), so nothing else is printed.
    expect(lines).toEqual(errors);
  }, 120_000);
});
