import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../backend-error';
import { installedLayers } from '../kernel-layers';
import { selectBackend } from '../select-backend';
import { seededArray } from '../test-support';
import { loadNativeAddon, nativeThreadCount, type NativeAddon } from './native-addon';
import { nativeKernelLayer, nativeKernelsRegistered } from './native-kernel-layer';

const loaded = loadNativeAddon();
/** CI builds the addon with `npm ci`; there a missing addon is a failure, elsewhere the rest is skipped. */
const required = process.env.CI != null && process.env.DIGITFUSE_NATIVE !== '0';
const withAddon = loaded.ok ? it : it.skip;
const addon = (): NativeAddon => {
  if (!loaded.ok) throw new Error(loaded.why);
  return loaded.addon;
};

/** [batch, inH, inW, inC, filterH, filterW, outC, outH, outW, strideH, strideW, dilationH, dilationW, padTop, padLeft] */
function geometry(b: number, h: number, w: number, ci: number, k: number, co: number): Int32Array {
  return Int32Array.from([b, h, w, ci, k, k, co, h, w, 1, 1, 1, 1, (k - 1) >> 1, (k - 1) >> 1]);
}

describe('native kernels', () => {
  (required ? it : it.skip)('are built and load (required in CI)', () => {
    expect(loaded).toMatchObject({ ok: true });
  });

  withAddon('are a layer on the project wasm kernels and are named in the backend line', async () => {
    const lines: string[] = [];
    const info = await selectBackend('wasm', (line) => lines.push(line));
    expect(nativeKernelsRegistered()).toBe(true);
    expect(installedLayers('wasm').map((layer) => layer.name)).toEqual(['wasm', 'native']);
    expect(installedLayers('wasm')[1]).toBe(nativeKernelLayer(addon()));
    expect(info.native).toEqual({ isa: expect.stringMatching(/^(avx2-fma|portable)$/), threads: expect.any(Number) });
    expect(lines[0]).toContain(`+ native kernels (${info.native?.isa}, `);
    expect(nativeKernelLayer(addon()).kernelNames).toEqual(['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPoolGrad', 'Sum', 'BatchMatMul']);
    for (const name of nativeKernelLayer(addon()).kernelNames) expect(tf.getKernel(name, 'wasm')).toBeDefined();
  });

  withAddon('give bit-identical results with 1, 2 and 3 threads (fixed summation order)', () => {
    const native = addon();
    const g = geometry(13, 9, 9, 5, 3, 7);
    const x = seededArray(13 * 9 * 9 * 5, 1);
    const w = seededArray(3 * 3 * 5 * 7, 2);
    const dy = seededArray(13 * 9 * 9 * 7, 3);
    const before = native.info().threads;
    const run = (threads: number) => {
      native.setThreads(threads);
      const y = new Float32Array(dy.length);
      const dx = new Float32Array(x.length);
      const dw = new Float32Array(w.length);
      native.conv2d(x, w, null, y, g, 0);
      native.conv2dBackpropInput(dy, w, dx, g);
      native.conv2dBackpropFilter(x, dy, dw, g);
      return [y, dx, dw].map((a) => Buffer.from(a.buffer).toString('base64'));
    };
    try {
      const one = run(1);
      expect(run(2)).toEqual(one);
      expect(run(3)).toEqual(one);
    } finally {
      native.setThreads(before);
    }
  });

  withAddon('max-pool gradient: first strict maximum, nothing for a window of -Infinity, NaN never wins', () => {
    const x = Float32Array.from([1, 1, 1, 1, -Infinity, -Infinity, -Infinity, -Infinity, NaN, 2, 1, 3]);
    // Three 2x2 windows side by side: x is [1, 2, 6, 1] as rows of cells (a, b | c, d) per window.
    const image = new Float32Array(12);
    const windows = [x.subarray(0, 4), x.subarray(4, 8), x.subarray(8, 12)];
    windows.forEach((win, q) => {
      image[2 * q] = win[0];
      image[2 * q + 1] = win[1];
      image[6 + 2 * q] = win[2];
      image[6 + 2 * q + 1] = win[3];
    });
    const dx = new Float32Array(12).fill(9);
    addon().maxPoolGrad(image, Float32Array.from([5, 6, 7]), dx, Int32Array.from([1, 2, 6, 1, 1, 3, 2, 2]));
    expect(Array.from(dx)).toEqual([5, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 7]);
  });

  withAddon('reject arguments of the wrong type or size with a message naming them', () => {
    const native = addon();
    const g = geometry(1, 4, 4, 1, 3, 2);
    const ok = { x: new Float32Array(16), w: new Float32Array(18), y: new Float32Array(32) };
    expect(() => native.conv2d(new Float64Array(16) as unknown as Float32Array, ok.w, null, ok.y, g, 0)).toThrow('x must be a Float32Array');
    expect(() => native.conv2d(ok.x, ok.w, null, new Float32Array(31), g, 0)).toThrow('y has 31 elements, expected 32');
    expect(() => native.conv2d(ok.x, ok.w, new Float32Array(1), ok.y, g, 0)).toThrow('bias has 1 elements, expected 2');
    expect(() => native.conv2dBackpropFilter(ok.x, ok.y, ok.w, Int32Array.from([1, 2]))).toThrow('geometry must be an Int32Array of 15 values');
    expect(() => native.conv2dBackpropInput(ok.y, ok.w, ok.x, geometry(0, 4, 4, 1, 3, 2))).toThrow('geometry value 0 must be positive');
  });
});

describe('nativeThreadCount()', () => {
  it('defaults to the cores Node reports and accepts DIGITFUSE_THREADS', () => {
    expect(nativeThreadCount({})).toBeGreaterThanOrEqual(1);
    expect(nativeThreadCount({ DIGITFUSE_THREADS: '3' })).toBe(3);
  });

  it('rejects a malformed DIGITFUSE_THREADS, naming it and the value', () => {
    for (const bad of ['0', '1.5', 'two', '-2', '999']) {
      expect(() => nativeThreadCount({ DIGITFUSE_THREADS: bad })).toThrow(BackendError);
      expect(() => nativeThreadCount({ DIGITFUSE_THREADS: bad })).toThrow(`DIGITFUSE_THREADS must be a whole number from 1 to 256, got '${bad}'`);
    }
  });
});
