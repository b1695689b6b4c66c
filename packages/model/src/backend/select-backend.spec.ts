import * as tf from '@tensorflow/tfjs';
import { gpuKernelLayer } from './gpu-kernels/gpu-kernel-layer';
import { installedLayers } from './kernel-layers';
import { BackendError } from './backend-error';
import { backendAdvice, GPU_MIN_BATCH_SIZE, selectBackend, type BackendChoice, type BackendInfo } from './select-backend';
import { autoSelectsWasm, nativeInstalled } from './test-support';
import { registerWasmKernels } from './wasm-kernels/wasm-kernel-layer';

describe('selectBackend()', () => {
  const maybe = nativeInstalled() ? it.skip : it;

  maybe('auto picks wasm with the project kernels and prints one line saying why', async () => {
    // Without webgpu too (select-backend-webgpu.spec.ts covers it): the line must not depend on this machine's GPU.
    const { info, line } = await autoSelectsWasm();
    expect(line).toMatch(
      /^backend: wasm \((no )?SIMD, \d+ threads?\)( \+ native kernels \((avx512|avx2|portable), \d+ threads?\)|, native kernels [^—]+) — tfjs-node-gpu not installed, webgpu not installed, tfjs-node not installed$/,
    );
    expect(info.reason).toBe('tfjs-node-gpu not installed, webgpu not installed, tfjs-node not installed');
    expect(tf.getKernel('Conv2DBackpropFilter', 'wasm')).toBeDefined();
  });

  it('is idempotent: same answer, the same kernels registered (no re-registration)', async () => {
    const first = await selectBackend('wasm', () => undefined);
    const kernels = tf.getKernelsForBackend('wasm');
    const second = await selectBackend('wasm', () => undefined);
    registerWasmKernels(); // already at the bottom of the stack: changes nothing either
    expect(second).toEqual(first);
    expect(tf.getBackend()).toBe('wasm');
    const again = tf.getKernelsForBackend('wasm');
    expect(again).toHaveLength(kernels.length);
    again.forEach((config, i) => expect(config).toBe(kernels[i]));
  });

  maybe('explicit tensorflow without the native packages throws BackendError naming the option', async () => {
    const attempt = selectBackend('tensorflow', () => undefined);
    await expect(attempt).rejects.toBeInstanceOf(BackendError);
    await expect(selectBackend('tensorflow', () => undefined)).rejects.toThrow(
      "--backend tensorflow is not available: tfjs-node-gpu not installed; tfjs-node not installed",
    );
  });

  it('rejects an unknown choice with BackendError', async () => {
    await expect(selectBackend('gpu' as BackendChoice, () => undefined)).rejects.toThrow(
      "Unknown --backend 'gpu': expected one of auto, tensorflow, webgpu, wasm, cpu",
    );
  });

  it('cpu is always available, with the GPU kernel layer (its filter gradient) on it', async () => {
    const lines: string[] = [];
    const info = await selectBackend('cpu', (line) => lines.push(line));
    expect(info.name).toBe('cpu');
    expect(tf.getBackend()).toBe('cpu');
    expect(lines).toEqual(['backend: cpu — --backend cpu (pure JavaScript, slow)']);
    expect(installedLayers('cpu')).toEqual([gpuKernelLayer('cpu')]);
  });
});

describe('backendAdvice()', () => {
  const gpu: BackendInfo = { name: 'webgpu', reason: 'auto', adapter: { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', fallback: false } };

  it('advises a larger batch on a GPU below GPU_MIN_BATCH_SIZE, naming the flag and both sizes', () => {
    expect(backendAdvice(gpu, 64)).toBe(
      "note: --batch-size 64 keeps the GPU mostly idle (a step's time goes to launching ~500 small kernels, about the same at 256 or 1024 rows); pass --batch-size 256 or more for epochs several times shorter",
    );
    expect(backendAdvice(gpu, GPU_MIN_BATCH_SIZE - 1)).toContain('--batch-size 255 keeps');
  });

  it('says nothing at GPU_MIN_BATCH_SIZE or more, or on the CPU backends', () => {
    expect(backendAdvice(gpu, GPU_MIN_BATCH_SIZE)).toBeNull();
    for (const name of ['wasm', 'cpu', 'tensorflow'] as const) expect(backendAdvice({ name, reason: 'auto' }, 64)).toBeNull();
  });

  it('says a software adapter is slower than the CPU kernels and how to use those, whatever the batch size', () => {
    const software: BackendInfo = { name: 'webgpu', reason: '--backend webgpu', adapter: { vendor: 'mesa', architecture: '', device: 'llvmpipe', fallback: true } };
    const note = 'note: webgpu runs here on a software adapter (the CPU draws what a GPU would), many times slower than the CPU kernels; leave out --backend (auto) to train on those';
    expect(backendAdvice(software, 64)).toBe(note);
    expect(backendAdvice(software, 1024)).toBe(note);
  });
});
