import * as tf from '@tensorflow/tfjs';
import { TINY_CONFIG, randomInputs } from '../testing';
import { selectBackend } from '../backend';
import { buildModel } from '../network/build-model';
import { inputTensors, oneHot } from '../network/feed';
import { DEVICE_ROWS_MAX_BYTES, DeviceRows, deviceRowBytes, keepRowsOnDevice } from './device-rows';
import { train } from './train';

jest.setTimeout(60_000);

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

describe('keepRowsOnDevice', () => {
  it("'auto' keeps rows on a GPU backend only when they fit and need no host-side change per batch", () => {
    expect(keepRowsOnDevice('auto', 'webgpu', false, 300e6)).toBe(true);
    expect(keepRowsOnDevice('auto', 'tensorflow', false, 300e6)).toBe(true);
    expect(keepRowsOnDevice('auto', 'wasm', false, 300e6)).toBe(false);
    expect(keepRowsOnDevice('auto', 'cpu', false, 1000)).toBe(false);
    expect(keepRowsOnDevice('auto', 'webgpu', true, 1000)).toBe(false);
    expect(keepRowsOnDevice('auto', 'webgpu', false, DEVICE_ROWS_MAX_BYTES + 1)).toBe(false);
  });

  it('an explicit choice is kept whatever the backend', () => {
    expect(keepRowsOnDevice(true, 'wasm', false, 1)).toBe(true);
    expect(keepRowsOnDevice(false, 'webgpu', false, 1)).toBe(false);
  });
});

describe('DeviceRows', () => {
  it('gathers the same batch values as the host path makes', () => {
    const model = buildModel(TINY_CONFIG);
    const data = randomInputs(12, 3, { learnable: true });
    // 60,000 rows of the competition: about 312 MB as float32, under the 'auto' limit.
    expect(deviceRowBytes(model, { ...data, n: 60_000 })).toBe(60_000 * (784 + 507 + 10) * 4);
    const rows = Int32Array.from([7, 0, 11, 3]);
    const device = new DeviceRows(model, data);
    const { xs, y } = device.batch(rows);
    const host = inputTensors(model, data, rows);
    expect(xs.map((t) => t.shape)).toEqual(host.map((t) => t.shape));
    xs.forEach((t, i) => expect(t.dataSync()).toEqual(host[i].dataSync()));
    expect(y.dataSync()).toEqual(oneHot(data.labels as Int32Array, rows));
    tf.dispose([...xs, y, ...host]);
    device.dispose();
    model.dispose();
  });
});

describe('train() with the rows on the device', () => {
  const data = { train: randomInputs(24, 1, { learnable: true }), val: randomInputs(8, 2, { learnable: true }) };
  const run = async (dataOnDevice: boolean) => {
    const model = buildModel(TINY_CONFIG);
    const before = tf.memory().numTensors;
    const r = await train(model, data, { epochs: 2, batchSize: 5, seed: 3, progress: 'silent', dataOnDevice });
    const weights = model.getWeights().map((w) => w.dataSync() as Float32Array);
    const leaked = tf.memory().numTensors - before;
    model.dispose();
    return { r, weights, leaked };
  };

  it('gives the same history and weights as batches copied from the host, and frees the uploaded rows', async () => {
    const host = await run(false);
    const device = await run(true);
    expect(host.r.dataOnDevice).toBe(false);
    expect(device.r.dataOnDevice).toBe(true);
    const losses = (r: typeof host.r) => r.history.map(({ loss, acc, val_loss, val_acc }) => ({ loss, acc, val_loss, val_acc }));
    expect(losses(device.r)).toEqual(losses(host.r));
    device.weights.forEach((w, i) => expect(w).toEqual(host.weights[i]));
    expect(device.leaked).toBe(host.leaked);
  });

  it("'auto' copies from the host on the wasm backend", async () => {
    const model = buildModel(TINY_CONFIG);
    const r = await train(model, data, { epochs: 1, batchSize: 8, progress: 'silent' });
    expect(r.dataOnDevice).toBe(false);
    model.dispose();
  });

  it('refuses rows on the device with augmentation, which changes each batch on the host', async () => {
    const model = buildModel(TINY_CONFIG);
    await expect(train(model, data, { epochs: 1, progress: 'silent', augment: true, dataOnDevice: true })).rejects.toThrow(/augmentation or modality dropout/);
    model.dispose();
  });
});
