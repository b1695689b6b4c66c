import * as tf from '@tensorflow/tfjs';
import { conv2dBiasRelu, conv2dBiasReluAvailable } from '../backend/conv2d-bias-relu';

/** tf.layers' Conv2D and Conv1D layers (instances) and their constructor arguments. */
type TfjsConv2D = ReturnType<typeof tf.layers.conv2d>;
type TfjsConv1D = ReturnType<typeof tf.layers.conv1d>;
type ConvArgs = Parameters<typeof tf.layers.conv2d>[0];
type Kwargs = Parameters<TfjsConv2D['call']>[1];

/** A tf.layers class: its constructor and the static side tf.serialization needs. */
type TfjsClass<T> = { new (args: ConvArgs): T; className: string; fromConfig: tf.serialization.FromConfigMethod<tf.serialization.Serializable> };

/** The fields of tf.layers' convolution layers the fused path reads (protected in tfjs's typings). */
interface ConvFields {
  readonly kernel: { read(): tf.Tensor } | null;
  readonly bias: { read(): tf.Tensor } | null;
  readonly strides: number[];
  readonly padding: string;
  readonly dataFormat: string;
  readonly dilationRate: number | number[];
  readonly activation: { getClassName(): string };
}

/**
 * tf.layers' class registered under `className` when this module loads: tfjs's own (its package
 * exports the factories, not the classes).
 */
function tfjsClass<T>(className: string): TfjsClass<T> {
  const entry = tf.serialization.SerializationMap.getMap().classNameMap[className];
  if (entry == null) throw new Error(`tf.layers has no '${className}' class registered`);
  return entry[0] as unknown as TfjsClass<T>;
}

/**
 * The kernel, bias and padding of a layer whose output is relu(conv + bias) and which the
 * backend runs as one op (`conv2dBiasRelu`), or null for every other case (tfjs's own path: another
 * activation, no bias, channels first, dilation, causal padding, another dtype, or a backend without
 * the op: wasm without the native kernels, cpu, webgpu).
 */
function fusable(layer: ConvFields, input: tf.Tensor, rank: 3 | 4): { kernel: tf.Tensor; bias: tf.Tensor1D; pad: 'same' | 'valid' } | null {
  const dilations = typeof layer.dilationRate === 'number' ? [layer.dilationRate] : layer.dilationRate;
  if (layer.activation.getClassName() !== 'relu' || layer.bias == null || layer.kernel == null) return null;
  if (layer.dataFormat !== 'channelsLast' || dilations.some((d) => d !== 1)) return null;
  if (layer.padding !== 'same' && layer.padding !== 'valid') return null;
  if (input.rank !== rank || input.dtype !== 'float32' || !conv2dBiasReluAvailable()) return null;
  return { kernel: layer.kernel.read(), bias: layer.bias.read() as tf.Tensor1D, pad: layer.padding };
}

/** What `fusable` found: the layer's kernel and bias, and its padding. */
type Fused = NonNullable<ReturnType<typeof fusable>>;

/**
 * A fusing layer's `call`: `op` (the fused path, in a tidy) where `fusable` says so, else `own`
 * (tfjs's `call`). tf.layers' convolutions take one input tensor.
 */
function fusedOrOwn(
  layer: object,
  inputs: tf.Tensor | tf.Tensor[],
  rank: 3 | 4,
  own: () => tf.Tensor | tf.Tensor[],
  op: (x: tf.Tensor, fused: Fused, strides: readonly number[]) => tf.Tensor,
): tf.Tensor | tf.Tensor[] {
  if (Array.isArray(inputs) && inputs.length !== 1) throw new Error(`Expected one input tensor, found ${inputs.length}`);
  const x = Array.isArray(inputs) ? inputs[0] : inputs;
  const fused = fusable(layer as ConvFields, x, rank);
  if (fused == null) return own();
  const { strides } = layer as ConvFields;
  return tf.tidy(() => op(x, fused, strides));
}

/**
 * tf.layers' Conv2D, whose relu(conv + bias) is one op with its own gradient where the backend has
 * it (`conv2dBiasRelu`: the native kernels), also while training, where tfjs splits it into Conv2D,
 * Add and Relu forward and Step, Cast, Multiply and Sum backward; tfjs's own `call` everywhere else. Same class name, configuration and
 * weights as tfjs's: model files do not change, and this class is registered in its place, so loading
 * any model file builds it.
 */
export class FusingConv2D extends tfjsClass<TfjsConv2D>('Conv2D') {
  static override readonly className = 'Conv2D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return fusedOrOwn(this, inputs, 4, () => super.call(inputs, kwargs), (x, fused, strides) =>
      conv2dBiasRelu(x as tf.Tensor4D, fused.kernel as tf.Tensor4D, fused.bias, { strides: [strides[0], strides[1]], pad: fused.pad, dilations: [1, 1] }),
    );
  }
}

/**
 * tf.layers' Conv1D with the same fused path as `FusingConv2D` (a conv1d is a conv2d of height 1, as
 * tfjs computes it: [B,W,C] as [B,1,W,C], kernel [K,Ci,Co] as [1,K,Ci,Co]). Registered in tfjs's
 * Conv1D's place.
 */
export class FusingConv1D extends tfjsClass<TfjsConv1D>('Conv1D') {
  static override readonly className = 'Conv1D';

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    return fusedOrOwn(this, inputs, 3, () => super.call(inputs, kwargs), (x, fused, strides) => {
      const [b, w, ci] = x.shape;
      const [k, , co] = fused.kernel.shape;
      const x4 = tf.reshape(x, [b, 1, w, ci]) as tf.Tensor4D;
      const kernel4 = tf.reshape(fused.kernel, [1, k, ci, co]) as tf.Tensor4D;
      const y = conv2dBiasRelu(x4, kernel4, fused.bias, { strides: [1, strides[0]], pad: fused.pad, dilations: [1, 1] });
      return tf.reshape(y, [b, y.shape[2], co]);
    });
  }
}

tf.serialization.registerClass(FusingConv2D);
tf.serialization.registerClass(FusingConv1D);

/** A Conv2D layer (`tf.layers.conv2d`'s arguments) with the fused training path. */
export function conv2d(args: ConvArgs): FusingConv2D {
  return new FusingConv2D(args);
}

/** A Conv1D layer (`tf.layers.conv1d`'s arguments) with the fused training path. */
export function conv1d(args: ConvArgs): FusingConv1D {
  return new FusingConv1D(args);
}
