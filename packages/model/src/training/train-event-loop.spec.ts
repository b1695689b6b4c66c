import { randomInputs, TINY_CONFIG } from '../testing';
import { selectBackend } from '../backend';
import { buildModel, disposeModel } from '../network/build-model';
import { predictOutputs } from '../evaluation/predict';
import { train } from './train';

jest.setTimeout(120_000);

beforeAll(async () => {
  await selectBackend('wasm', () => undefined);
});

/** Ticks of a 10 ms interval timer while `work` runs, and how long it ran (ms). */
async function ticksDuring(work: () => Promise<unknown>): Promise<{ ticks: number; ms: number }> {
  let ticks = 0;
  const timer = setInterval(() => ticks++, 10);
  const t0 = performance.now();
  try {
    await work();
  } finally {
    clearInterval(timer);
  }
  return { ticks, ms: performance.now() - t0 };
}

describe('the event loop during long work', () => {
  // Before: not one tick during a whole training (every await there is already settled), so a
  // study's heartbeats stopped and other workers failed the trial of a live worker after 2 minutes.
  it('runs timers between the batches of a training', async () => {
    const model = buildModel({ ...TINY_CONFIG, fusion: 'concat' });
    try {
      const { ticks, ms } = await ticksDuring(() =>
        train(model, { train: randomInputs(2048, 1), val: randomInputs(64, 2) }, { epochs: 2, batchSize: 16, earlyStopping: false, progress: 'silent' }),
      );
      expect(ms).toBeGreaterThan(300);
      // A turn at least every 100 ms plus one batch; generous for a loaded machine.
      expect(ticks).toBeGreaterThanOrEqual(Math.max(1, Math.floor(ms / 600)));
    } finally {
      disposeModel(model);
    }
  });

  it('runs timers between the chunks of a long prediction', async () => {
    const model = buildModel({ ...TINY_CONFIG, fusion: 'robust' });
    try {
      const { ticks, ms } = await ticksDuring(() => predictOutputs(model, randomInputs(6000, 3), 8));
      expect(ticks).toBeGreaterThanOrEqual(Math.max(1, Math.floor(ms / 600)));
    } finally {
      disposeModel(model);
    }
  });
});
