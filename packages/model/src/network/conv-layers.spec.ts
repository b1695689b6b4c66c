import * as tf from '@tensorflow/tfjs';
import { CONV2D_BIAS_RELU_KERNEL, RELU_BIAS_GRAD_KERNEL } from '../backend/conv2d-bias-relu';
import { KERNEL_SETS, restoreDefaultIsa, seededArray, useKernels, type KernelSet } from '../backend/test-support';
import { TINY_CONFIG } from '../testing';
import { buildModel, disposeModel } from './build-model';
import { conv1d, conv2d, FusingConv1D, FusingConv2D } from './conv-layers';

jest.setTimeout(60_000);

/** Two conv2d + pool blocks on a [10,10,1] image and two conv1d + pool blocks on [12,5] audio, then softmax: tfjs's conv layers or the fusing ones. */
function smallModel(fusing: boolean): tf.LayersModel {
  const c2 = fusing ? conv2d : tf.layers.conv2d;
  const c1 = fusing ? conv1d : tf.layers.conv1d;
  const init = (seed: number) => tf.initializers.glorotUniform({ seed });
  const image = tf.input({ shape: [10, 10, 1], name: 'image' });
  let x = c2({ filters: 6, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(1), name: 'image_conv1' }).apply(image) as tf.SymbolicTensor;
  x = tf.layers.maxPooling2d({ poolSize: 2, name: 'image_pool1' }).apply(x) as tf.SymbolicTensor;
  x = c2({ filters: 8, kernelSize: 3, strides: 2, padding: 'valid', activation: 'relu', kernelInitializer: init(2), name: 'image_conv2' }).apply(x) as tf.SymbolicTensor;
  const audio = tf.input({ shape: [12, 5], name: 'audio' });
  let a = c1({ filters: 7, kernelSize: 3, padding: 'same', activation: 'relu', kernelInitializer: init(3), name: 'audio_conv1' }).apply(audio) as tf.SymbolicTensor;
  a = tf.layers.maxPooling1d({ poolSize: 2, name: 'audio_pool1' }).apply(a) as tf.SymbolicTensor;
  a = c1({ filters: 9, kernelSize: 3, padding: 'same', activation: 'relu', biasInitializer: 'ones', kernelInitializer: init(4), name: 'audio_conv2' }).apply(a) as tf.SymbolicTensor;
  // A linear convolution: never fused, tfjs's path in both models.
  a = c1({ filters: 4, kernelSize: 1, kernelInitializer: init(5), name: 'audio_linear' }).apply(a) as tf.SymbolicTensor;
  const flat = tf.layers.concatenate({ name: 'fusion' }).apply([tf.layers.flatten({ name: 'f1' }).apply(x), tf.layers.flatten({ name: 'f2' }).apply(a)] as tf.SymbolicTensor[]);
  const out = tf.layers.dense({ units: 10, activation: 'softmax', kernelInitializer: init(6), name: 'probabilities' }).apply(flat) as tf.SymbolicTensor;
  const model = tf.model({ inputs: [image, audio], outputs: out, name: 'small' });
  model.compile({ optimizer: tf.train.adam(0.01), loss: 'categoricalCrossentropy' });
  return model;
}

function batch(): { xs: tf.Tensor[]; y: tf.Tensor } {
  return {
    xs: [tf.tensor4d(seededArray(8 * 100, 31, 0, 1), [8, 10, 10, 1]), tf.tensor3d(seededArray(8 * 60, 32, -1, 1), [8, 12, 5])],
    y: tf.oneHot(tf.tensor1d([0, 1, 2, 3, 4, 5, 6, 7], 'int32'), 10),
  };
}

/** Everything `model.save` writes (topology, weight specs, weight bytes), as comparable values. */
async function savedArtifacts(model: tf.LayersModel): Promise<{ topology: string; specs: string; weights: string }> {
  let saved: tf.io.ModelArtifacts | null = null;
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      saved = artifacts;
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } };
    }),
  );
  const a = saved as unknown as tf.io.ModelArtifacts;
  return {
    topology: JSON.stringify(a.modelTopology),
    specs: JSON.stringify(a.weightSpecs),
    weights: Buffer.from(a.weightData as ArrayBuffer).toString('base64'),
  };
}

/** The trained weights' bytes after `steps` training steps of a fresh model. */
async function trainedBits(fusing: boolean, steps: number): Promise<string[]> {
  const model = smallModel(fusing);
  const { xs, y } = batch();
  for (let i = 0; i < steps; i++) await model.trainOnBatch(xs, y);
  const out = model.getWeights().map((w) => Buffer.from((w.dataSync() as Float32Array).buffer).toString('base64'));
  tf.dispose([...xs, y]);
  model.optimizer.dispose();
  model.dispose();
  return out;
}

describe('FusingConv2D and FusingConv1D model files', () => {
  beforeAll(() => tf.setBackend('cpu'));

  it('are tf.layers Conv2D / Conv1D to tfjs: the same class names, topology and weight bytes', async () => {
    const ours = smallModel(true);
    const theirs = smallModel(false);
    expect(ours.getLayer('image_conv1')).toBeInstanceOf(FusingConv2D);
    expect(ours.getLayer('audio_conv1')).toBeInstanceOf(FusingConv1D);
    expect(ours.getLayer('image_conv1').getClassName()).toBe('Conv2D');
    expect(ours.getLayer('audio_conv1').getClassName()).toBe('Conv1D');
    expect(await savedArtifacts(ours)).toEqual(await savedArtifacts(theirs));
    ours.dispose();
    theirs.dispose();
  });

  it('a file written with tfjs\'s layers loads as the fusing layers and saves back unchanged', async () => {
    const theirs = smallModel(false);
    const before = await savedArtifacts(theirs);
    let artifacts: tf.io.ModelArtifacts | null = null;
    await theirs.save(tf.io.withSaveHandler(async (a) => ((artifacts = a), { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } })));
    const loaded = await tf.loadLayersModel(tf.io.fromMemory(artifacts as unknown as tf.io.ModelArtifacts));
    expect(loaded.getLayer('image_conv2')).toBeInstanceOf(FusingConv2D);
    expect(loaded.getLayer('audio_conv2')).toBeInstanceOf(FusingConv1D);
    expect(await savedArtifacts(loaded)).toEqual(before);
    theirs.dispose();
    loaded.dispose();
  });
});

describe.each<KernelSet | 'cpu'>([...KERNEL_SETS, 'cpu'])('training with the fusing layers, %s kernels', (set) => {
  beforeAll(async () => {
    if (set === 'cpu') await tf.setBackend('cpu');
    else {
      await useKernels(set);
      await tf.setBackend('wasm');
    }
  });
  afterAll(restoreDefaultIsa);

  it('takes the same steps as tfjs\'s layers, bit for bit', async () => {
    expect(await trainedBits(true, 3)).toEqual(await trainedBits(false, 3));
  });

  const fused = set.startsWith('native');
  it(fused ? 'runs relu(conv + bias) as one kernel forward and one backward' : 'runs tfjs\'s kernels (no fused op here)', async () => {
    const model = smallModel(true);
    const { xs, y } = batch();
    const profile = await tf.profile(async () => void (await model.trainOnBatch(xs, y)));
    const calls = (name: string) => profile.kernels.filter((k) => k.name === name).length;
    expect([calls(CONV2D_BIAS_RELU_KERNEL), calls(RELU_BIAS_GRAD_KERNEL)]).toEqual(fused ? [4, 4] : [0, 0]);
    expect(calls('Relu') + calls('Step')).toBe(fused ? 0 : 8);
    tf.dispose([...xs, y]);
    model.optimizer.dispose();
    model.dispose();
  });
});

describe('buildModel()', () => {
  it('builds its convolutions as the fusing layers', async () => {
    await tf.setBackend('cpu');
    const model = buildModel(TINY_CONFIG);
    const classOf = (kind: string) => model.layers.filter((l) => l.getClassName() === kind).map((l) => l.constructor);
    expect(classOf('Conv2D')).toEqual([FusingConv2D, FusingConv2D, FusingConv2D]);
    expect(classOf('Conv1D')).toEqual([FusingConv1D, FusingConv1D, FusingConv1D]);
    disposeModel(model);
  });
});
