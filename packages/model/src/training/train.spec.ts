import * as tf from '@tensorflow/tfjs';
import { TINY_CONFIG, randomInputs } from '../testing';
import { selectBackend } from '../backend';
import { buildModel } from '../network/build-model';
import type { EpochLogs, TrainCallback, TrainContext } from './callbacks';
import { EarlyStopping } from './early-stopping';
import { train } from './train';

// Tiny trainings take seconds, but more on a loaded 2-core CI machine than jest's 5 s default.
jest.setTimeout(60_000);

const weightsOf = (m: tf.LayersModel): Float32Array[] => m.getWeights().map((w) => w.dataSync() as Float32Array);

beforeAll(async () => {
  // wasm with the project's training kernels: about 10x faster than cpu on these convolutions.
  await selectBackend('wasm', () => undefined);
});

describe('train()', () => {
  const data = { train: randomInputs(16, 1, { learnable: true }), val: randomInputs(8, 2, { learnable: true }) };

  it('lowers the loss over a few epochs, logs every epoch and keeps tensor memory flat', async () => {
    const model = buildModel(TINY_CONFIG);
    const counts: number[] = [];
    const record: TrainCallback = { onEpochEnd: () => void counts.push(tf.memory().numTensors) };
    const result = await train(model, data, { epochs: 4, batchSize: 4, progress: 'silent', callbacks: [record], earlyStopping: { patience: 10 } });
    expect(counts).toHaveLength(4);
    expect(new Set(counts).size).toBe(1);
    const h = result.history;
    expect(h).toHaveLength(4);
    expect(h[3].loss).toBeLessThan(h[0].loss);
    expect(h[3].val_loss).toBeLessThan(h[0].val_loss as number);
    for (const e of h) {
      expect(e.acc).toBeGreaterThanOrEqual(0);
      expect(e.val_acc).toBeLessThanOrEqual(1);
      expect(e.samples_per_s).toBeGreaterThan(0);
      expect(e.seconds).toBeGreaterThan(0);
    }
    expect(result.bestEpoch).toBe(3);
    model.dispose();
  });

  it('gives the same weights and history for the same seed, and different ones for another seed', async () => {
    const run = async (seed: number) => {
      const model = buildModel(TINY_CONFIG);
      const r = await train(model, data, { epochs: 2, batchSize: 8, seed, progress: 'silent', augment: true });
      const w = weightsOf(model);
      model.dispose();
      return { w, h: r.history.map(({ loss, acc, val_loss, val_acc }) => ({ loss, acc, val_loss, val_acc })) };
    };
    const a = await run(5);
    const b = await run(5);
    const c = await run(6);
    expect(b.h).toEqual(a.h);
    b.w.forEach((w, i) => expect(w).toEqual(a.w[i]));
    expect(c.h).not.toEqual(a.h);
  });

  it('stops early and restores the weights of the best validation epoch', async () => {
    // Validation labels unrelated to the inputs, and a high learning rate: val loss soon stops improving.
    const noisy = { train: data.train, val: randomInputs(8, 9) };
    const model = buildModel({ ...TINY_CONFIG, learningRate: 0.05 });
    const snapshots: Float32Array[][] = [];
    const record: TrainCallback = { onEpochEnd: () => void snapshots.push(weightsOf(model)) };
    const r = await train(model, noisy, { epochs: 8, batchSize: 4, progress: 'silent', callbacks: [record], earlyStopping: { patience: 1 } });
    const losses = r.history.map((e) => e.val_loss as number);
    expect(r.stoppedEarly).toBe(true);
    expect(r.bestEpoch).toBe(losses.indexOf(Math.min(...losses)));
    expect(r.history.length - 1 - r.bestEpoch).toBe(1);
    weightsOf(model).forEach((w, i) => expect(w).toEqual(snapshots[r.bestEpoch][i]));
    expect(weightsOf(model)).not.toEqual(snapshots[snapshots.length - 1]);
    model.dispose();
  });

  it('propagates an error thrown by a callback after releasing its tensors', async () => {
    const model = buildModel(TINY_CONFIG);
    await train(model, data, { epochs: 1, batchSize: 16, progress: 'silent' }); // creates the optimizer's slots
    const before = tf.memory().numTensors;
    class Pruned extends Error {}
    const pruner: TrainCallback = {
      onEpochEnd: async (epoch) => {
        await Promise.resolve();
        if (epoch === 1) throw new Pruned('pruned at epoch 1');
      },
    };
    await expect(train(model, data, { epochs: 5, batchSize: 8, progress: 'silent', callbacks: [pruner] })).rejects.toThrow(Pruned);
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  });

  it('writes one line per epoch when the stream is not a TTY', async () => {
    const model = buildModel(TINY_CONFIG);
    let out = '';
    const stream = { write: (s: string) => ((out += s), true), isTTY: false } as unknown as NodeJS.WritableStream;
    await train(model, { train: data.train }, { epochs: 2, batchSize: 16, progress: { stream } });
    expect(out.trim().split('\n')).toHaveLength(2);
    expect(out).toMatch(/^epoch 1\/2 {2}loss \d\.\d{4} {2}acc \d\.\d{4} {2}[\d.]+s {2}\d+ samples\/s$/m);
    model.dispose();
  });

  it('draws a bar with loss, accuracy and ETA on a TTY', async () => {
    const model = buildModel(TINY_CONFIG);
    let out = '';
    const stream = { write: (s: string) => ((out += s), true), isTTY: true, columns: 120 } as unknown as NodeJS.WritableStream;
    await train(model, { train: data.train }, { epochs: 1, batchSize: 8, progress: { stream, redrawMs: 0 } });
    const frames = out.split('\r').filter((f) => f.startsWith('epoch 1/1 ['));
    expect(frames).toHaveLength(2); // one per batch
    expect(frames[0]).toMatch(/^epoch 1\/1 \[=+>? *\] 8\/16 {2}loss \d\.\d{4} {2}acc \d\.\d{4} {2}ETA \d+s/);
    expect(out.endsWith('samples/s\n')).toBe(true);
    model.dispose();
  });

  it('draws the bar without synchronous reads, which a GPU backend in Node cannot do', async () => {
    await selectBackend('cpu', () => undefined);
    const noSyncRead = (): never => {
      throw new Error('synchronous read');
    };
    const dataSync = jest.spyOn(tf.Tensor.prototype, 'dataSync').mockImplementation(noSyncRead);
    const arraySync = jest.spyOn(tf.Tensor.prototype, 'arraySync').mockImplementation(noSyncRead);
    const model = buildModel(TINY_CONFIG);
    try {
      let out = '';
      const stream = { write: (s: string) => ((out += s), true), isTTY: true, columns: 120 } as unknown as NodeJS.WritableStream;
      await train(model, data, { epochs: 1, batchSize: 8, progress: { stream, redrawMs: 0 } });
      expect(out.split('\r').filter((f) => /^epoch 1\/1 \[.*loss \d\.\d{4} {2}acc \d\.\d{4}/.test(f))).toHaveLength(2);
      expect(dataSync).not.toHaveBeenCalled();
      expect(arraySync).not.toHaveBeenCalled();
    } finally {
      dataSync.mockRestore();
      arraySync.mockRestore();
      model.dispose();
      await selectBackend('wasm', () => undefined);
    }
  });

  describe('ctx.stopNow()', () => {
    const concat = { ...TINY_CONFIG, fusion: 'concat' as const };
    /** A model whose validation passes (the only calls of `model.predict` while training) are counted. */
    const counted = () => {
      const model = buildModel(concat);
      const predict = model.predict.bind(model);
      const counter = { model, predictions: 0 };
      model.predict = (...args) => (counter.predictions++, predict(...args));
      return counter;
    };
    /** A callback that calls `stopNow()` after batch `batch` of epoch `epoch`, keeping the weights the model had then. */
    const stopAt = (model: tf.LayersModel, epoch: number, batch: number) => {
      const seen = { weights: [] as Float32Array[], epochEnds: [] as number[] };
      const cb: TrainCallback = {
        onBatchEnd: (p, ctx) => {
          if (p.epoch !== epoch || p.batch !== batch) return;
          seen.weights = weightsOf(model);
          ctx.stopNow();
        },
        onEpochEnd: (e) => void seen.epochEnds.push(e),
      };
      return { cb, seen };
    };
    const options = { batchSize: 4, seed: 3, progress: 'silent' as const, earlyStopping: { patience: 10 } };

    it('abandons the epoch at the end of the batch: no validation, no log; early stopping gives the run of fewer epochs, bit for bit', async () => {
      // The same seed for 2 epochs, and for 5 epochs stopped after the 2nd batch of the 3rd.
      const short = counted();
      const a = await train(short.model, data, { ...options, epochs: 2 });
      expect(a.bestEpoch).toBe(1); // the last finished epoch is the best: early stopping used to keep the abandoned epoch's weights then
      const long = counted();
      const { cb, seen } = stopAt(long.model, 2, 1);
      const b = await train(long.model, data, { ...options, epochs: 5, callbacks: [cb] });
      expect(b.history).toHaveLength(2);
      expect(seen.epochEnds).toEqual([0, 1]);
      expect(long.predictions).toBe(2); // validation after epochs 1 and 2 only
      expect(b.stoppedEarly).toBe(true);
      expect(b.bestEpoch).toBe(1);
      const values = (h: typeof a.history) => h.map(({ epoch, loss, acc, val_loss, val_acc }) => ({ epoch, loss, acc, val_loss, val_acc }));
      expect(values(b.history)).toEqual(values(a.history));
      const [wa, wb] = [weightsOf(short.model), weightsOf(long.model)];
      wb.forEach((w, i) => expect(w).toEqual(wa[i]));
      expect(seen.weights).not.toEqual(wb); // the abandoned batches had changed them
      short.model.dispose();
      long.model.dispose();
    });

    it('without early stopping keeps the abandoned batches\' updates, with the last finished epoch as bestEpoch, and releases its tensors', async () => {
      const model = buildModel(concat);
      await train(model, data, { ...options, epochs: 1, earlyStopping: false }); // creates the optimizer's slots
      const before = tf.memory().numTensors;
      const { cb, seen } = stopAt(model, 1, 2);
      const r = await train(model, data, { ...options, epochs: 4, earlyStopping: false, callbacks: [cb] });
      expect(tf.memory().numTensors).toBe(before);
      expect(r.history.map((e) => e.epoch)).toEqual([0]);
      expect(r.bestEpoch).toBe(0);
      expect(r.stoppedEarly).toBe(true);
      weightsOf(model).forEach((w, i) => expect(w).toEqual(seen.weights[i]));
      model.dispose();
    });

    it('before any epoch finished gives an empty history and bestEpoch -1; from onEpochEnd it stops like stop()', async () => {
      const first = counted();
      const { cb, seen } = stopAt(first.model, 0, 0);
      const r = await train(first.model, data, { ...options, epochs: 3, callbacks: [cb] });
      expect(r.history).toEqual([]);
      expect(r.bestEpoch).toBe(-1);
      expect(r.stoppedEarly).toBe(true);
      expect(first.predictions).toBe(0);
      weightsOf(first.model).forEach((w, i) => expect(w).toEqual(seen.weights[i])); // nothing to restore
      first.model.dispose();
      const model = buildModel(concat);
      const atEnd: TrainCallback = { onEpochEnd: (_e, _logs, ctx) => ctx.stopNow() };
      const s = await train(model, data, { ...options, epochs: 3, callbacks: [atEnd] });
      expect(s.history).toHaveLength(1);
      expect(s.bestEpoch).toBe(0);
      model.dispose();
    });
  });

  it('rejects bad options and data', async () => {
    const model = buildModel(TINY_CONFIG);
    await expect(train(model, data, { batchSize: 0 })).rejects.toThrow('Expected `batchSize` to be a positive integer, found 0');
    const bad = { ...data.train, labels: null };
    await expect(train(model, { train: bad })).rejects.toThrow('Expected train to have labels, found none');
    model.dispose();
  });
});

describe('EarlyStopping', () => {
  it('stops after `patience` epochs without improvement and restores the best weights', () => {
    const model = buildModel(TINY_CONFIG);
    let stopped = -1;
    let epoch = 0;
    const ctx: TrainContext = { model, epochs: 10, batchesPerEpoch: 1, samplesPerEpoch: 1, stop: () => (stopped = epoch), stopNow: () => undefined };
    const es = new EarlyStopping({ patience: 2 });
    es.onTrainBegin();
    const script = [1.0, 0.8, 0.9, 0.7, 0.75, 0.71, 0.9];
    const marks: number[] = [];
    for (; epoch < script.length && stopped < 0; epoch++) {
      // Give each epoch recognisable weights: every weight = epoch.
      model.setWeights(model.getWeights().map((w) => tf.fill(w.shape, epoch)));
      marks.push(epoch);
      const logs: EpochLogs = { epoch, loss: 1, acc: 0, val_loss: script[epoch], val_acc: 0, seconds: 1, samples_per_s: 1 };
      es.onEpochEnd(epoch, logs, ctx);
    }
    expect(stopped).toBe(5);
    expect(es.bestEpoch).toBe(3);
    es.onTrainEnd([], ctx);
    es.dispose();
    expect(model.getWeights()[0].dataSync()[0]).toBe(3);
    model.dispose();
  });

  it('complains when the monitored value is not logged', () => {
    const es = new EarlyStopping();
    const ctx = { stop: () => undefined } as unknown as TrainContext;
    expect(() => es.onEpochEnd(0, { epoch: 0, loss: 1, acc: 0, seconds: 1, samples_per_s: 1 }, ctx)).toThrow(
      'Early stopping monitors `val_loss`, which this training run does not log (no validation data?)',
    );
  });
});
