import type * as tf from '@tensorflow/tfjs';
import type { ModelInputs, PreprocessStats } from '@digitfuse/data';
import { saveModel } from '../io/model-files';
import { buildModel, disposeModel } from '../network/build-model';
import type { ModelConfig } from '../network/config';
import { fusionLayer } from '../network/expert-fusion';
import type { Calibration } from './calibrate';
import { fusionTrainingOptions, train, TRAIN_DEFAULTS, type TrainData, type TrainOptions, type TrainResult } from './train';

/** Options of `fitModel`: `train()`'s (robust fusion's are filled in from the config) plus what to do around it. */
export interface FitModelOptions<T> extends Omit<TrainOptions, 'calibrate'> {
  /**
   * Unlabelled rows the model will predict (e.g. the competition's test rows): a robust-fusion model
   * adapts its calibration to them (`fusionTrainingOptions`). Default none.
   */
  readonly target?: ModelInputs | null;
  /**
   * A calibration to keep when there are no validation rows to calibrate on (retraining on every row
   * keeps its trial's): its weights are set in the model and it is saved with it. Default none.
   */
  readonly keepCalibration?: Calibration;
  /** Save the trained model (model.json, weights.bin, meta.json) here. Default: not saved. */
  readonly save?: { readonly dir: string; readonly stats: PreprocessStats | null; readonly backend: string };
  /** Called with the trained model before it is disposed (evaluate it, predict with it...); its result is returned as `used`. */
  readonly use?: (model: tf.LayersModel, result: TrainResult) => Promise<T> | T;
}

/** What `fitModel` returns: the training result, the calibration the model ended with, and what `use` returned. */
export interface FitModelResult<T> extends TrainResult {
  readonly used: T;
}

/**
 * The one training recipe: build the model of `config`, train it (early stopping on `data.val` when
 * given; robust fusion's modality dropout and calibration, adapted to `options.target`), keep a
 * given calibration when there is nothing to calibrate on, save it with its meta when asked, hand it
 * to `options.use`, and release it. Used by model:train, the robustness benchmark and every pipeline
 * stage that trains.
 */
export async function fitModel<T = undefined>(config: ModelConfig, data: TrainData, options: FitModelOptions<T> = {}): Promise<FitModelResult<T>> {
  const { target, keepCalibration, save, use, ...trainOptions } = options;
  const model = buildModel(config);
  try {
    const result = await train(model, data, { ...fusionTrainingOptions(config, target ?? null), ...trainOptions });
    let calibration = result.calibration;
    if (!calibration && keepCalibration) {
      fusionLayer(model)?.setFusionWeights(keepCalibration.weights);
      calibration = keepCalibration;
    }
    if (save) {
      await saveModel(save.dir, model, {
        config,
        stats: save.stats,
        history: result.history,
        bestEpoch: result.bestEpoch,
        backend: save.backend,
        ...(calibration ? { calibration } : {}),
        training: {
          rows: data.train.n,
          validationRows: data.val?.n ?? 0,
          epochs: trainOptions.epochs ?? TRAIN_DEFAULTS.epochs,
          batchSize: trainOptions.batchSize ?? TRAIN_DEFAULTS.batchSize,
          seed: trainOptions.seed ?? TRAIN_DEFAULTS.seed,
        },
      });
    }
    const used = (use ? await use(model, result) : undefined) as T;
    return { ...result, ...(calibration ? { calibration } : {}), used };
  } finally {
    disposeModel(model);
  }
}
