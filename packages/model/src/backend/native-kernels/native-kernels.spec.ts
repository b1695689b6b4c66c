import { onCi } from '@digitfuse/core/testing';
import * as tf from '@tensorflow/tfjs';
import { BackendError } from '../backend-error';
import { installedLayers } from '../kernel-layers';
import { selectBackend } from '../select-backend';
import { seededArray } from '../test-support';
import { loadNativeAddon, NATIVE_ISAS, nativeIsaChoice, nativeThreadCount, nativeWanted, useNativeIsa, type NativeAddon } from './native-addon';
import { nativeKernelLayer, nativeKernelsRegistered } from './native-kernel-layer';

const loaded = loadNativeAddon();
/** CI builds the addon with `npm ci`; there a missing addon is a failure, elsewhere the rest is skipped. */
const required = onCi() && process.env.DIGITFUSE_NATIVE !== '0';
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
    expect(info.native).toEqual({ isa: expect.stringMatching(/^(avx512|avx2|portable)$/), threads: expect.any(Number) });
    expect(lines[0]).toContain(`+ native kernels (${info.native?.isa}, `);
    expect(nativeKernelLayer(addon()).kernelNames).toEqual(['Conv2D', 'FusedConv2D', 'Conv2DBackpropInput', 'Conv2DBackpropFilter', 'MaxPoolGrad', 'Sum', 'BatchMatMul', 'DigitfuseAdam', 'DigitfuseConv2DBiasRelu', 'DigitfuseReluBiasGrad']);
    for (const name of nativeKernelLayer(addon()).kernelNames) expect(tf.getKernel(name, 'wasm')).toBeDefined();
  });

  withAddon('list the instruction sets the CPU has, best first, and use the best unless DIGITFUSE_ISA says otherwise', () => {
    const isas = addon().isas();
    expect(isas.length).toBeGreaterThanOrEqual(1);
    expect(isas[isas.length - 1]).toBe('portable');
    expect(isas).toEqual(NATIVE_ISAS.filter((isa) => isas.includes(isa)));
    expect(addon().info().isa).toBe(nativeIsaChoice() ?? isas[0]);
  });

  withAddon('refuse an instruction set that is unknown, naming what the CPU has', () => {
    const before = addon().info().isa;
    expect(() => addon().setIsa('sse9')).toThrow(`isa 'sse9' is not available on this CPU (it has ${addon().isas().join(', ')})`);
    expect(addon().info().isa).toBe(before);
  });

  withAddon('measure an FMA peak for the instruction set in use', () => {
    const gflops = addon().fmaPeak(0.05);
    expect(gflops).toBeGreaterThan(0.1);
    expect(gflops).toBeLessThan(1e5);
    expect(() => addon().fmaPeak(0)).toThrow('seconds must be in (0, 10]');
  });

  describe.each(loaded.ok ? addon().isas() : ['none'])('with the %s micro-kernels', (isa) => {
    const before = loaded.ok ? addon().info().isa : '';
    beforeAll(() => loaded.ok && addon().setIsa(isa));
    afterAll(() => loaded.ok && addon().setIsa(before));

    withAddon('max-pool gradient of 2x2 windows: ties, NaN and -Infinity in every lane follow the sequential rule', () => {
      // Values from a small set, so windows tie, hold NaN or only -Infinity in vector lanes and tails.
      const [b, h, w, c] = [3, 4, 6, 37];
      const pick = [-Infinity, NaN, 0, 1, 1, 2];
      const next = seededArray(b * h * w * c, 5, 0, pick.length);
      const x = Float32Array.from(next, (v) => pick[Math.floor(v)]);
      const dy = seededArray(b * (h / 2) * (w / 2) * c, 6, 1, 2);
      const expected = new Float32Array(x.length);
      for (let n = 0; n < b; n++) {
        for (let r = 0; r < h / 2; r++) {
          for (let q = 0; q < w / 2; q++) {
            for (let k = 0; k < c; k++) {
              const cells = [0, 1, 2, 3].map((i) => ((n * h + 2 * r + (i >> 1)) * w + 2 * q + (i & 1)) * c + k);
              let best = -Infinity;
              let at = -1;
              for (const cell of cells) {
                if (x[cell] > best) {
                  best = x[cell];
                  at = cell;
                }
              }
              if (at >= 0) expected[at] = dy[((n * (h / 2) + r) * (w / 2) + q) * c + k];
            }
          }
        }
      }
      const dx = new Float32Array(x.length).fill(9);
      addon().maxPoolGrad(x, dy, dx, Int32Array.from([b, h, w, c, h / 2, w / 2, 2, 2]));
      expect(Array.from(dx)).toEqual(Array.from(expected));
    });

    withAddon('max-pool gradient of 2x2 windows: a NaN bottom-left cell does not hide a larger bottom-right one', () => {
      // Windows (a b / c d) with c = NaN, cycling through vector lanes and the tail: d wins where it is
      // strictly above the top pair's first maximum, else that one does.
      const patterns = [
        [1, 2, NaN, 3],
        [1, NaN, NaN, 3],
        [-Infinity, 0, NaN, 1],
        [1, 2, NaN, 2],
        [1, 2, NaN, NaN],
      ];
      const winners = [3, 3, 3, 1, 1];
      const c = 37;
      const x = new Float32Array(4 * c);
      const expected = new Float32Array(4 * c);
      const dy = Float32Array.from({ length: c }, (_, k) => k + 1);
      for (let k = 0; k < c; k++) {
        patterns[k % patterns.length].forEach((v, cell) => (x[cell * c + k] = v));
        expected[winners[k % patterns.length] * c + k] = dy[k];
      }
      const dx = new Float32Array(4 * c).fill(9);
      addon().maxPoolGrad(x, dy, dx, Int32Array.from([1, 2, 2, c, 1, 1, 2, 2]));
      expect(Array.from(dx)).toEqual(Array.from(expected));
    });

    withAddon('give bit-identical results with 1, 2 and 3 threads (fixed summation order)', () => {
      const native = addon();
      expect(native.info().isa).toBe(isa);
      // 40 output channels and 180-deep rows: partial tiles of every set and more than one packed block.
      const g = geometry(13, 9, 9, 20, 3, 40);
      const x = seededArray(13 * 9 * 9 * 20, 1);
      const w = seededArray(3 * 3 * 20 * 40, 2);
      const dy = seededArray(13 * 9 * 9 * 40, 3);
      const bias = seededArray(40, 4, -0.5, 0.5);
      // Enough values (6000 x 40) for the mask-and-sum kernel to use the threads.
      const [big, bigY] = [seededArray(6000 * 40, 5), seededArray(6000 * 40, 6)];
      const [g1, x1, w1] = [geometry(13, 9, 9, 1, 3, 40), seededArray(13 * 9 * 9, 7), seededArray(3 * 3 * 40, 8)];
      const threads = native.info().threads;
      const run = (n: number) => {
        native.setThreads(n);
        const y = new Float32Array(dy.length);
        const dx = new Float32Array(x.length);
        const dw = new Float32Array(w.length);
        const yRelu = new Float32Array(dy.length);
        const dz = new Float32Array(dy.length);
        const dbias = new Float32Array(40);
        const [bigDz, bigDbias] = [new Float32Array(big.length), new Float32Array(40)];
        native.conv2d(x, w, null, y, g, 0);
        native.conv2dBackpropInput(dy, w, dx, g);
        native.conv2dBackpropFilter(x, dy, dw, g);
        // The training-time conv + bias + ReLU and its mask and bias gradient (1053 rows: 8 row groups).
        native.conv2d(x, w, bias, yRelu, g, 1);
        native.reluBiasGrad(dy, yRelu, dz, dbias, Int32Array.of(13 * 9 * 9, 40));
        native.reluBiasGrad(big, bigY, bigDz, bigDbias, Int32Array.of(6000, 40));
        // One input channel (the first image layer's case): 13 images of 9 x 9 into 40 channels.
        const [y1, dw1] = [new Float32Array(dy.length), new Float32Array(3 * 3 * 40)];
        native.conv2d(x1, w1, bias, y1, g1, 1);
        native.conv2dBackpropFilter(x1, dy, dw1, g1);
        return [y, dx, dw, yRelu, dz, dbias, bigDz, bigDbias, y1, dw1].map((a) => Buffer.from(a.buffer).toString('base64'));
      };
      try {
        const one = run(1);
        expect(run(2)).toEqual(one);
        expect(run(3)).toEqual(one);
      } finally {
        native.setThreads(threads);
      }
    });
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
    // adam takes nine arguments (more than any other binding); each is checked.
    const f = (n: number) => new Float32Array(n);
    expect(() => native.adam(f(4), f(4), f(4), f(4), f(4), f(3), f(4), f(8), Int32Array.of(4))).toThrow('m out has 3 elements, expected 4');
    expect(() => native.adam(f(4), f(4), f(4), f(4), f(4), f(4), f(4), f(7), Int32Array.of(4))).toThrow('constants has 7 elements, expected 8');
    expect(() => native.adam(f(4), f(4), f(4), f(4), f(4), f(4), f(4), f(8), Int32Array.of(-1))).toThrow('sizes must be n >= 0');
    expect(() => (native.adam as unknown as (...a: unknown[]) => void)(f(4), f(4))).toThrow('expected 9 arguments');
    expect(() => native.reluBiasGrad(f(6), f(6), f(6), f(2), Int32Array.of(3, 0))).toThrow('sizes must be rows >= 0 and cols > 0');
    expect(() => native.reluBiasGrad(f(6), f(5), f(6), f(2), Int32Array.of(3, 2))).toThrow('y has 5 elements, expected 6');
    expect(() => native.reluBiasGrad(f(6), f(6), f(6), f(1), Int32Array.of(3, 2))).toThrow('dbias has 1 elements, expected 2');
  });
});

describe('nativeIsaChoice() and useNativeIsa()', () => {
  it('read DIGITFUSE_ISA: unset means the best the CPU has, a known name forces it', () => {
    expect(nativeIsaChoice({})).toBeNull();
    expect(nativeIsaChoice({ DIGITFUSE_ISA: '' })).toBeNull();
    for (const isa of NATIVE_ISAS) expect(nativeIsaChoice({ DIGITFUSE_ISA: isa })).toBe(isa);
  });

  it('reject an unknown DIGITFUSE_ISA in one line naming the value and the choices', () => {
    expect(() => nativeIsaChoice({ DIGITFUSE_ISA: 'neon' })).toThrow(BackendError);
    expect(() => nativeIsaChoice({ DIGITFUSE_ISA: 'AVX512' })).toThrow("DIGITFUSE_ISA must be one of avx512, avx2, portable, found 'AVX512'");
  });

  it('reject an instruction set the CPU lacks, naming what it has, and leave the addon as it was', () => {
    const calls: string[] = [];
    const fake = { isas: () => ['avx2', 'portable'], setIsa: (isa: string) => (calls.push(isa), isa) } as unknown as NativeAddon;
    expect(() => useNativeIsa(fake, 'avx512')).toThrow(BackendError);
    expect(() => useNativeIsa(fake, 'avx512')).toThrow('DIGITFUSE_ISA=avx512: this CPU lacks it (it has avx2, portable)');
    expect(calls).toEqual([]);
    useNativeIsa(fake, 'avx2');
    expect(calls).toEqual(['avx2']);
  });
});

describe('nativeWanted()', () => {
  it('reads DIGITFUSE_NATIVE: unset, empty or 1 loads the kernels, 0 does not', () => {
    for (const on of [{}, { DIGITFUSE_NATIVE: '' }, { DIGITFUSE_NATIVE: '1' }]) expect(nativeWanted(on)).toBe(true);
    expect(nativeWanted({ DIGITFUSE_NATIVE: '0' })).toBe(false);
  });

  it('rejects any other value in one line naming it (`off` or `false` left the kernels on)', () => {
    for (const bad of ['off', 'false', 'no', '2']) {
      expect(() => nativeWanted({ DIGITFUSE_NATIVE: bad })).toThrow(BackendError);
      expect(() => nativeWanted({ DIGITFUSE_NATIVE: bad })).toThrow(`DIGITFUSE_NATIVE must be 0 (native kernels off) or 1 (on, the default), found '${bad}'`);
    }
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
      expect(() => nativeThreadCount({ DIGITFUSE_THREADS: bad })).toThrow(`DIGITFUSE_THREADS must be a whole number from 1 to 256, found '${bad}'`);
    }
  });
});
