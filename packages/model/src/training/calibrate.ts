import type * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { createRng, NUM_CLASSES, type ModelInputs } from '@digitfuse/data';
import { predictOutputs, predictProba } from '../evaluation/predict';
import { outputIndex } from '../network/fusion/fusion-strategy';
import { checkInputs, gatherRows } from '../network/feed';
import { EXPERTS, fusionLayer, type Expert, type FusionWeights } from '../network/expert-fusion';
import { augmentAudio, type AudioAugmentArgs } from './augment-audio';

/**
 * How validation audio is shifted to stand in for an unseen speaker or a noisier channel (the
 * competition gives no speaker labels): a constant cepstral offset per coefficient (a change of voice
 * or channel), noise, a time shift and masks. Its strength was set on one held-out speaker (george's
 * noisy set, where it costs the audio head about as much accuracy as the real speaker change does) and
 * checked on the other four; see packages/model/ROBUSTNESS.md.
 */
export const SHIFTED_AUDIO: Required<AudioAugmentArgs> = Object.freeze({
  maxShift: 4,
  cepstralShift: 0.4,
  noise: 0.25,
  frameMask: 6,
  coeffMask: 2,
});

/** Options of `calibrateFusion`. */
export interface CalibrateOptions {
  /** Candidate values of each expert weight. Default 0, 0.25, ..., 1.5. */
  readonly grid?: readonly number[];
  /** The audio shift of the second validation view. Default `SHIFTED_AUDIO`. */
  readonly shift?: AudioAugmentArgs;
  /** Seed of the shift. Default 42. */
  readonly seed?: number;
  /** Batch size of the predictions. Default 256. */
  readonly batchSize?: number;
  /**
   * Unlabelled rows the model will predict (e.g. the competition's test rows): the audio weight is
   * adapted to them (`adaptAudioWeight`), against a shift the validation data does not show. Default none.
   */
  readonly target?: ModelInputs;
}

/** Accuracy and mean cross-entropy of one classifier on one validation view. */
export interface HeadScore {
  readonly acc: number;
  readonly loss: number;
}

/** What `calibrateFusion` chose and saw. */
export interface Calibration {
  /** The chosen weights (now set in the model). */
  readonly weights: FusionWeights;
  /** Validation rows used. */
  readonly n: number;
  /** Each expert alone and the product of experts, on the validation data as it is. */
  readonly clean: Readonly<Record<Expert | 'product', HeadScore>>;
  /** The same on the validation data with shifted audio. */
  readonly shifted: Readonly<Record<Expert | 'product', HeadScore>>;
  /** With target rows: how many there were, which they were and how the audio weight was adapted to them. */
  readonly target?: AudioAdaptation & {
    readonly n: number;
    /** `rowsFingerprint` of the target rows (absent from models saved before 2026-12-05). */
    readonly rows?: string;
  };
  /**
   * What adapting the weights to other rows takes (`adaptFusion`): the weights chosen on validation,
   * before any adaptation, and the audio expert on the validation rows. Absent from models saved
   * before 2026-12-05.
   */
  readonly validation?: { readonly weights: FusionWeights } & AudioOnValidation;
}

/** The audio expert on the labelled validation rows: its fitted temperature multiplier and its accuracy. */
export interface AudioOnValidation {
  readonly temperatureVal: number;
  readonly audioValAccuracy: number;
}

const DEFAULT_GRID = [0, 0.25, 0.5, 0.75, 1, 1.25, 1.5];

/** Natural logs of probabilities [n*10], floored at 1e-7 (as the fusion layer does). */
function logs(p: Float32Array): Float32Array {
  return Float32Array.from(p, (v) => Math.log(Math.max(1e-7, Math.min(1, v))));
}

/** Accuracy and cross-entropy of softmax(sum_k w_k * logp_k) against labels (pure). */
export function scoreProduct(logp: readonly Float32Array[], w: readonly number[], labels: Int32Array): HeadScore {
  const n = labels.length;
  const z = new Float64Array(NUM_CLASSES);
  let loss = 0;
  let ok = 0;
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    let arg = 0;
    for (let c = 0; c < NUM_CLASSES; c++) {
      let v = 0;
      for (let k = 0; k < logp.length; k++) if (w[k] !== 0) v += w[k] * logp[k][i * NUM_CLASSES + c];
      z[c] = v;
      if (v > max) {
        max = v;
        arg = c;
      }
    }
    let sum = 0;
    for (let c = 0; c < NUM_CLASSES; c++) sum += Math.exp(z[c] - max);
    loss += Math.log(sum) + max - z[labels[i]];
    if (arg === labels[i]) ok++;
  }
  return { acc: n ? ok / n : 0, loss: n ? loss / n : 0 };
}

/** Rows whose image head gives its top class at least this probability count as "image-confident". */
export const CONFIDENT_IMAGE = 0.99;

/** Rows (indices) where the image head's top probability is at least `threshold`. */
export function confidentRows(imageLogp: Float32Array, threshold = CONFIDENT_IMAGE): Int32Array {
  const n = imageLogp.length / NUM_CLASSES;
  const log = Math.log(threshold);
  const rows: number[] = [];
  for (let i = 0; i < n; i++) {
    let max = -Infinity;
    for (let c = 0; c < NUM_CLASSES; c++) max = Math.max(max, imageLogp[i * NUM_CLASSES + c]);
    if (max >= log) rows.push(i);
  }
  return Int32Array.from(rows);
}

/** The argmax class of each of `rows` of log-probabilities [n*10]. */
function argmaxOf(logp: Float32Array, rows: Int32Array): Int32Array {
  return Int32Array.from(rows, (i) => {
    let best = 0;
    for (let c = 1; c < NUM_CLASSES; c++) if (logp[i * NUM_CLASSES + c] > logp[i * NUM_CLASSES + best]) best = c;
    return best;
  });
}

/** Candidate temperatures (as multipliers of the log-probabilities) of `fitTemperature`. */
const TEMPERATURE_GRID = Array.from({ length: 41 }, (_, i) => i * 0.05);

/**
 * The multiplier t of an expert's log-probabilities that minimises the cross-entropy of
 * softmax(t * logp) against `labels` on `rows` (temperature scaling, t = 1/T, on a grid of 0..2 in
 * steps of 0.05). Pure.
 */
export function fitTemperature(logp: Float32Array, rows: Int32Array, labels: Int32Array): number {
  const view = [gatherRows(logp, NUM_CLASSES, rows)];
  let best = { t: 1, loss: Infinity };
  for (const t of TEMPERATURE_GRID) {
    const loss = scoreProduct(view, [t], labels).loss;
    if (loss < best.loss - 1e-12) best = { t, loss };
  }
  return best.t;
}

/** Throws a RangeError unless every view holds one array per expert. */
function checkExperts(views: Readonly<Record<string, readonly Float32Array[]>>): void {
  for (const [name, view] of Object.entries(views)) {
    if (view.length !== EXPERTS.length) throw new RangeError(`Expected ${EXPERTS.length} experts (${EXPERTS.join(', ')}) in the ${name} view, found ${view.length}`);
  }
}

/** How the audio expert's weight was adapted to target rows (see `adaptAudioWeight`). */
export interface AudioAdaptation {
  /** Target rows whose image head is confident (they get its prediction as a pseudo-label). */
  readonly confident: number;
  /** How often the audio head agrees with those pseudo-labels: its accuracy there, estimated without labels. */
  readonly audioAgreement: number;
  /** The audio head's accuracy on the validation rows, for comparison. */
  readonly audioValAccuracy: number;
  /** Temperature multipliers of the audio head fitted on validation and on the pseudo-labelled target rows. */
  readonly temperatureVal: number;
  readonly temperatureTarget: number;
  /** Factor the audio-listening experts' weights were multiplied by (`adaptWeights`): min(1, temperatureTarget / temperatureVal). */
  readonly audioScale: number;
}

/**
 * Adapts the audio weight to target rows without their labels: the image head labels the rows it is
 * confident about (p >= 0.99; such labels are right over 99% of the time), the audio head's
 * temperature is fitted on them and on the validation rows, and the audio weight shrinks by the ratio
 * when the target's is lower. Audio and image are independent given the digit, so choosing rows by
 * the image's confidence does not flatter the audio head: it is as reliable there as on all target
 * rows. Audio from speakers the model never heard agrees far less often, so its vote counts less.
 */
export function adaptAudioWeight(clean: readonly Float32Array[], labels: Int32Array, target: readonly Float32Array[]): AudioAdaptation {
  checkExperts({ clean, target });
  return adaptToTarget(audioOnValidation(clean[EXPERTS.indexOf('audio')], labels), target);
}

/** The audio expert's temperature multiplier and accuracy on the validation rows, from its log-probabilities [n*10] there. Pure. */
export function audioOnValidation(audioLogp: Float32Array, labels: Int32Array): AudioOnValidation {
  const allVal = Int32Array.from({ length: labels.length }, (_, i) => i);
  const valAudio = argmaxOf(audioLogp, allVal);
  return {
    temperatureVal: fitTemperature(audioLogp, allVal, labels),
    audioValAccuracy: labels.length ? valAudio.filter((c, i) => c === labels[i]).length / labels.length : 0,
  };
}

/** The target half of {@link adaptAudioWeight}: `validation` as measured there, `target` the experts' log-probabilities on the unlabelled rows. Pure. */
export function adaptToTarget(validation: AudioOnValidation, target: readonly Float32Array[]): AudioAdaptation {
  checkExperts({ target });
  const image = EXPERTS.indexOf('image');
  const audio = EXPERTS.indexOf('audio');
  const rows = confidentRows(target[image]);
  const pseudo = argmaxOf(target[image], rows);
  const targetAudio = argmaxOf(target[audio], rows);
  const { temperatureVal, audioValAccuracy } = validation;
  const temperatureTarget = rows.length > 0 ? fitTemperature(target[audio], rows, pseudo) : temperatureVal;
  return {
    confident: rows.length,
    audioAgreement: rows.length ? targetAudio.filter((c, k) => c === pseudo[k]).length / rows.length : 0,
    audioValAccuracy,
    temperatureVal,
    temperatureTarget,
    audioScale: temperatureVal > 0 ? Math.min(1, temperatureTarget / temperatureVal) : 1,
  };
}

/**
 * The expert weights (fused, image, audio) on `grid` for a product of experts that hearing cannot make
 * worse than seeing. Candidates must be at least as accurate on the shifted view (a simulated change
 * of speaker) as the image head alone there.
 * Among them the lowest cross-entropy on the clean view wins; when none qualifies, the most accurate
 * on the shifted view (ties: lower clean cross-entropy). Adapting them to the unlabelled rows the
 * model will predict is `adaptWeights`' (with `adaptToTarget`'s `audioScale`). Each view is the
 * experts' log-probabilities [n*10]; `labels` are the clean and shifted views' (the same rows). Pure.
 */
export function chooseFusionWeights(
  clean: readonly Float32Array[],
  shifted: readonly Float32Array[],
  labels: Int32Array,
  grid: readonly number[] = DEFAULT_GRID,
): number[] {
  if (grid.length === 0 || grid.some((g) => !(Number.isFinite(g) && g >= 0))) {
    throw new RangeError(`Expected the calibration grid to be finite weights >= 0, found [${grid.join(', ')}]`);
  }
  checkExperts({ clean, shifted });
  if (!grid.some((g) => g > 0)) throw new RangeError('Expected a calibration grid with a weight above 0');
  const imageIndex = EXPERTS.indexOf('image');
  const imageAlone = scoreProduct([shifted[imageIndex]], [1], labels).acc;
  type Candidate = { w: number[]; loss: number; shiftedAcc: number };
  let safe: Candidate | null = null;
  let fallback: Candidate | null = null;
  for (const wf of grid) {
    for (const wi of grid) {
      for (const wa of grid) {
        if (wf + wi + wa === 0) continue;
        const w = [wf, wi, wa];
        const c: Candidate = { w, loss: scoreProduct(clean, w, labels).loss, shiftedAcc: scoreProduct(shifted, w, labels).acc };
        if (c.shiftedAcc >= imageAlone && (!safe || c.loss < safe.loss - 1e-12)) safe = c;
        if (!fallback || c.shiftedAcc > fallback.shiftedAcc || (c.shiftedAcc === fallback.shiftedAcc && c.loss < fallback.loss - 1e-12)) fallback = c;
      }
    }
  }
  return (safe ?? fallback ?? { w: EXPERTS.map((e) => (e === 'image' ? 1 : 0)) }).w;
}

/**
 * Lowers the influence of audio by `audioScale` (at most 1: adaptation can only take influence away
 * from audio) in every expert that listens to it: the audio head's weight is scaled, and so is the
 * fused head's, whose lost share goes to the image head (the fused head hears and sees, so its image
 * part is handed over rather than dropped). With `audioScale` 1 the weights are unchanged. Pure.
 */
export function adaptWeights(w: readonly number[], audioScale: number): number[] {
  if (!(audioScale >= 0)) throw new RangeError(`Expected an audio scale >= 0, found ${audioScale}`);
  const s = Math.min(1, audioScale);
  const [f, i, a] = [EXPERTS.indexOf('fused'), EXPERTS.indexOf('image'), EXPERTS.indexOf('audio')];
  const out = [...w];
  out[a] = w[a] * s;
  out[f] = w[f] * s;
  out[i] = w[i] + w[f] * (1 - s);
  return out;
}

/** `val` with its audio shifted like an unseen speaker (`SHIFTED_AUDIO` unless `shift` says otherwise), seeded. */
export function shiftAudio(val: ModelInputs, seed = 42, shift: AudioAugmentArgs = SHIFTED_AUDIO): ModelInputs {
  return { ...val, audio: augmentAudio(val.audio, createRng(seed), shift) };
}

/**
 * Accuracy of any model's output on labelled rows as they are and with their audio shifted like an
 * unseen speaker (`shiftAudio`, the same view calibration uses); a model that does not hear scores the
 * same on both.
 */
export async function shiftedAccuracy(model: tf.LayersModel, val: ModelInputs, seed = 42, batchSize = 256): Promise<{ clean: number; shifted: number }> {
  checkInputs(val, 'val', true);
  const labels = val.labels as Int32Array;
  const acc = async (inputs: ModelInputs) => scoreProduct([logs(await predictProba(model, inputs, batchSize))], [1], labels).acc;
  return { clean: await acc(val), shifted: await acc(shiftAudio(val, seed)) };
}

/**
 * Calibrates a model's product of experts (robust fusion, or a strategy built on it) on validation
 * data: predicts the fused, image and audio experts (outputs found by name) on the validation rows as
 * they are and with shifted audio (`SHIFTED_AUDIO`, seeded), picks the weights with `chooseFusionWeights` (best on the clean view among those that stay
 * at least as accurate as the image head on the shifted view) and sets them in the model. The shifted
 * view is what keeps the fusion from trusting audio only the training speakers taught it to trust.
 * @throws Error when the model has no `ExpertFusion` layer; DataError on bad validation data.
 */
export async function calibrateFusion(model: tf.LayersModel, val: ModelInputs, options: CalibrateOptions = {}): Promise<Calibration> {
  const layer = fusionLayer(model);
  if (!layer) throw new Error(`Model ${model.name} has no product-of-experts layer to calibrate (build it with fusion: 'robust')`);
  checkInputs(val, 'val', true);
  if (val.n === 0) throw new RangeError('Expected validation data with at least one row to calibrate on, found 0');
  const labels = val.labels as Int32Array;
  const grid = options.grid ?? DEFAULT_GRID;
  const batch = options.batchSize ?? 256;
  const shiftedVal = shiftAudio(val, options.seed ?? 42, options.shift ?? SHIFTED_AUDIO);
  const experts = (inputs: ModelInputs) => expertLogs(model, inputs, batch);
  const views = [await experts(val), await experts(shiftedVal)];
  if (options.target) checkInputs(options.target, 'target', false);
  const audio = audioOnValidation(views[0][EXPERTS.indexOf('audio')], labels);
  const adaptation = options.target && adaptToTarget(audio, await experts(options.target));
  const chosen = chooseFusionWeights(views[0], views[1], labels, grid);
  const w = adaptation ? adaptWeights(chosen, adaptation.audioScale) : chosen;
  const weights = fusionWeights(w);
  layer.setFusionWeights(weights);
  const report = (view: Float32Array[]) =>
    Object.freeze({
      ...Object.fromEntries(EXPERTS.map((e, k) => [e, scoreProduct([view[k]], [1], labels)])),
      product: scoreProduct(view, w, labels),
    }) as Record<Expert | 'product', HeadScore>;
  return {
    weights,
    n: val.n,
    clean: report(views[0]),
    shifted: report(views[1]),
    ...(options.target && adaptation ? { target: { n: options.target.n, rows: rowsFingerprint(options.target), ...adaptation } } : {}),
    validation: { weights: fusionWeights(chosen), ...audio },
  };
}

/** The log-probabilities [n*10] of each expert of `model` (in `EXPERTS` order) on `inputs`, from one prediction pass. */
async function expertLogs(model: tf.LayersModel, inputs: ModelInputs, batchSize: number): Promise<Float32Array[]> {
  const outputs = await predictOutputs(model, inputs, batchSize);
  return EXPERTS.map((e) => logs(outputs[outputIndex(model, e)]));
}

/** Weights [fused, image, audio] as a frozen `FusionWeights`. */
function fusionWeights(w: readonly number[]): FusionWeights {
  return Object.freeze(Object.fromEntries(EXPERTS.map((e, k) => [e, w[k]]))) as FusionWeights;
}

/** A short fingerprint of rows as a model sees them (their preprocessed images and audio): the same rows give the same one. */
export function rowsFingerprint(rows: ModelInputs): string {
  const hash = createHash('sha256');
  hash.update(`${rows.n};`);
  for (const a of [rows.images, rows.audio]) hash.update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength));
  return hash.digest('hex').slice(0, 16);
}

/** What {@link adaptFusion} did to a model's weights. */
export interface FusionAdaptation {
  /** The weights now set in the model. */
  readonly weights: FusionWeights;
  /** How they were adapted to the rows, as `Calibration['target']` says it. */
  readonly target: NonNullable<Calibration['target']>;
}

/**
 * Adapts a calibrated model's product of experts to the unlabelled rows it is about to predict, as
 * `calibrateFusion` adapted it to the rows it was given then (`adaptToTarget` from the weights chosen
 * on validation and its audio expert there, both in `calibration.validation`), and sets the weights
 * in the model. Rows whose `rowsFingerprint` is the calibration's own target keep the weights as they
 * are (nothing to adapt again: null). Null too for a model without a product of experts, or whose
 * calibration predates `validation` (its weights are kept).
 */
export async function adaptFusion(model: tf.LayersModel, calibration: Calibration | undefined, rows: ModelInputs, batchSize = 256): Promise<FusionAdaptation | null> {
  const layer = fusionLayer(model);
  const validation = calibration?.validation;
  if (!layer || !validation || rows.n === 0) return null;
  checkInputs(rows, 'rows', false);
  const fingerprint = rowsFingerprint(rows);
  if (calibration?.target?.rows === fingerprint) return null;
  const adaptation = adaptToTarget(validation, await expertLogs(model, rows, batchSize));
  const weights = fusionWeights(adaptWeights(EXPERTS.map((e) => validation.weights[e]), adaptation.audioScale));
  layer.setFusionWeights(weights);
  return { weights, target: { n: rows.n, rows: fingerprint, ...adaptation } };
}
