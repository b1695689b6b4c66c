import * as tf from '@tensorflow/tfjs';
import { defineKernelLayer, installedLayers, installLayers, orBelow, removeLayer, runStock, stockKernel, type KernelArgs, type KernelLayer } from './kernel-layers';

/** A backend name of this spec's own: its kernels are plain functions that say who ran. */
const FAKE = 'kernel-layers-spec';

type Who = { readonly ran: string };
const ran = (who: string): tf.TensorInfo => ({ ran: who }) as unknown as tf.TensorInfo;
const call = (kernelName: string, kind = 'any'): string => {
  const config = tf.getKernel(kernelName, FAKE);
  if (config == null) return 'none';
  const out = config.kernelFunc({ inputs: {}, backend: null as unknown as tf.KernelBackend, attrs: { kind } }) as unknown as Who;
  return out.ran;
};

const stockSetup = jest.fn();
const STOCK: tf.KernelConfig[] = ['Neg', 'Abs', 'Square'].map((kernelName) => ({
  kernelName,
  backendName: FAKE,
  kernelFunc: () => ran(`stock ${kernelName}`),
  setupFunc: stockSetup,
}));

/** A layer whose kernels cover calls of `kind` (attribute) and hand the others to the kernel below. */
function layer(name: string, kernelNames: readonly string[], kind: string): KernelLayer {
  const covered = (kernelName: string) => orBelow(({ attrs }: KernelArgs) => (attrs.kind === kind ? ran(`${name} ${kernelName}`) : null));
  return defineKernelLayer({ name, kernels: Object.fromEntries(kernelNames.map((k) => [k, covered(k)])) });
}

const lower = layer('lower', ['Neg', 'Abs'], 'lower');
const upper = layer('upper', ['Neg', 'Relu'], 'upper');
const registered = (names: readonly string[]) => names.map((name) => tf.getKernel(name, FAKE));

beforeAll(() => STOCK.forEach((config) => tf.registerKernel(config)));
afterEach(() => installLayers(FAKE, []));

describe('installLayers()', () => {
  it('puts each layer on the one below: a kernel falls back through the layers to the stock kernel', () => {
    installLayers(FAKE, [lower, upper]);
    expect(installedLayers(FAKE)).toEqual([lower, upper]);
    expect([call('Neg', 'upper'), call('Neg', 'lower'), call('Neg', 'other')]).toEqual(['upper Neg', 'lower Neg', 'stock Neg']);
    expect([call('Abs', 'lower'), call('Abs', 'upper')]).toEqual(['lower Abs', 'stock Abs']);
    expect(call('Square', 'lower')).toBe('stock Square'); // claimed by no layer
  });

  it('gives a kernel with nothing beneath it an error naming the layer and the kernel', () => {
    installLayers(FAKE, [lower, upper]);
    expect(call('Relu', 'upper')).toBe('upper Relu');
    expect(() => call('Relu', 'other')).toThrow(
      `Kernel 'Relu' of layer 'upper' does not cover this case, and backend '${FAKE}' has no 'Relu' beneath it`,
    );
  });

  it('is a no-op for the installed stack: the registered configs are the same objects, in the same order', () => {
    installLayers(FAKE, [lower, upper]);
    const before = tf.getKernelsForBackend(FAKE);
    installLayers(FAKE, [lower, upper]);
    const after = tf.getKernelsForBackend(FAKE);
    expect(after).toHaveLength(before.length);
    after.forEach((config, i) => expect(config).toBe(before[i]));
  });

  it('keeps the layers a new stack shares at its bottom', () => {
    installLayers(FAKE, [lower]);
    const [neg, abs] = registered(['Neg', 'Abs']);
    installLayers(FAKE, [lower, upper]);
    expect(tf.getKernel('Abs', FAKE)).toBe(abs);
    expect(tf.getKernel('Neg', FAKE)).not.toBe(neg);
    installLayers(FAKE, [lower]);
    expect(tf.getKernel('Neg', FAKE)).toBe(neg);
    expect(tf.getKernel('Abs', FAKE)).toBe(abs);
  });

  it('keeps the set-up function of the kernel beneath (layers installed before the backend initialises)', () => {
    installLayers(FAKE, [lower, upper]);
    expect(registered(['Neg', 'Abs']).map((config) => config?.setupFunc)).toEqual([stockSetup, stockSetup]);
    expect(tf.getKernel('Relu', FAKE)?.setupFunc).toBeUndefined();
  });

  it('rejects a stack that names a layer twice, and a layer without kernels', () => {
    expect(() => installLayers(FAKE, [lower, layer('lower', ['Abs'], 'x')])).toThrow(
      `Kernel layer 'lower' appears twice in the stack [lower, lower] for backend '${FAKE}'`,
    );
    expect(() => defineKernelLayer({ name: 'empty', kernels: {} })).toThrow("Expected kernel layer 'empty' to define at least one kernel");
  });

  it('refuses to build on a kernel re-registered behind its back', () => {
    installLayers(FAKE, [lower]);
    const ours = tf.getKernel('Abs', FAKE) as tf.KernelConfig;
    tf.unregisterKernel('Abs', FAKE);
    tf.registerKernel({ kernelName: 'Abs', backendName: FAKE, kernelFunc: () => ran('intruder') });
    expect(() => installLayers(FAKE, [lower, upper])).toThrow(`Kernel 'Abs' of backend '${FAKE}' was re-registered outside the kernel layers [lower]`);
    tf.unregisterKernel('Abs', FAKE);
    tf.registerKernel(ours);
  });
});

describe('removeLayer()', () => {
  it('removing the top layer restores the one below (the same config objects)', () => {
    installLayers(FAKE, [lower]);
    const below = registered(['Neg', 'Abs']);
    installLayers(FAKE, [lower, upper]);
    removeLayer(FAKE, 'upper');
    expect(installedLayers(FAKE)).toEqual([lower]);
    registered(['Neg', 'Abs']).forEach((config, i) => expect(config).toBe(below[i]));
    expect(tf.getKernel('Relu', FAKE)).toBeUndefined(); // nothing beneath it: unregistered
  });

  it('removing a lower layer rebuilds the ones above on what is beneath it', () => {
    installLayers(FAKE, [lower, upper]);
    removeLayer(FAKE, 'lower');
    expect(installedLayers(FAKE)).toEqual([upper]);
    expect([call('Neg', 'upper'), call('Neg', 'lower'), call('Abs', 'lower')]).toEqual(['upper Neg', 'stock Neg', 'stock Abs']);
  });

  it('removing every layer restores the stock kernels; removing an absent layer is a no-op', () => {
    installLayers(FAKE, [lower, upper]);
    removeLayer(FAKE, 'upper');
    removeLayer(FAKE, 'lower');
    removeLayer(FAKE, 'lower');
    expect(installedLayers(FAKE)).toEqual([]);
    STOCK.forEach((config) => expect(tf.getKernel(config.kernelName, FAKE)).toBe(config));
    expect(stockKernel(FAKE, 'Neg')).toBe(STOCK[0].kernelFunc);
  });
});

describe('runStock()', () => {
  it('runs the kernel beneath every layer, and names the backend and kernel it lacks', () => {
    installLayers(FAKE, [lower, upper]);
    expect((runStock(FAKE, 'Neg', null as unknown as tf.KernelBackend, {}, { kind: 'upper' }) as unknown as Who).ran).toBe('stock Neg');
    expect(() => runStock(FAKE, 'Relu', null as unknown as tf.KernelBackend, {})).toThrow(`The ${FAKE} backend has no 'Relu' kernel`);
  });
});

describe('kernel layers on a real backend (cpu)', () => {
  beforeAll(() => tf.setBackend('cpu'));
  afterAll(() => installLayers('cpu', []));

  /** `Neg` of one-element tensors as 42, the rest left to the kernel beneath. */
  const answer = defineKernelLayer<tf.KernelBackend>({
    name: 'answer',
    kernels: {
      Neg: orBelow(({ inputs, backend }) => {
        const x = inputs.x;
        if (x == null || tf.util.sizeFromShape(x.shape) !== 1) return null;
        return (backend as unknown as { makeTensorInfo(shape: number[], dtype: string, values: Float32Array): tf.TensorInfo }).makeTensorInfo(
          [...x.shape],
          'float32',
          Float32Array.of(42),
        );
      }),
    },
  });

  it('covers its cases, falls back to the stock kernel for the others, and goes away with removeLayer', () => {
    const neg = (values: number[]) => tf.tidy(() => Array.from(tf.neg(tf.tensor1d(values)).dataSync()));
    installLayers('cpu', [answer]);
    expect(neg([3])).toEqual([42]);
    expect(neg([3, -4])).toEqual([-3, 4]);
    removeLayer('cpu', 'answer');
    expect(neg([3])).toEqual([-3]);
  });
});
