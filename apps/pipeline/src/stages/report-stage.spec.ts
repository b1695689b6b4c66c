import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { robustnessInput } from './report-stage';

describe('robustnessInput()', () => {
  const dir = mkdtempSync(join(tmpdir(), 'robustness-input-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (set: string, model: string, testAcc: number) => ({ set, model, testAcc, valAcc: 0.99, epochs: 5, seconds: 60 });
  const file = {
    backend: 'wasm',
    config: 'small',
    epochs: 10,
    seed: 42,
    complete: true,
    note: 'measured here',
    sets: [{ name: 'theo-noisy', dir: '/d/theo-noisy', speaker: 'theo', noisy: true }],
    runs: [run('theo-noisy', 'image', 0.979), run('theo-noisy', 'concat', 0.947), run('theo-noisy', 'robust', 0.985)],
  };

  it('takes the first readable benchmark file, skipping a broken one with a message, and answers with the numbers', () => {
    const broken = join(dir, 'broken.json');
    const good = join(dir, 'good.json');
    writeFileSync(broken, '{"runs": 3}');
    writeFileSync(good, JSON.stringify(file));
    const log: string[] = [];
    const input = robustnessInput((l) => log.push(l), [join(dir, 'absent.json'), broken, good]);
    expect(log).toEqual([expect.stringContaining(`skipping ${broken}: Expected`)]);
    expect(input?.source).toMatch(/good\.json \(measured here\): config small, at most 10 epochs, seed 42, backend wasm$/);
    expect(input?.models).toEqual(['image only', 'plain fusion (paper)', 'robust fusion']);
    expect(input?.perSet).toEqual([{ set: 'theo-noisy', acc: [0.979, 0.947, 0.985] }]);
    expect(input?.conclusion).toContain('plain fusion (paper) averages 94.70% against 97.90% for image only on the 1 unseen-speaker noisy sets, below image only on 1 of 1');
  });

  it('gives nothing when no file exists', () => {
    expect(robustnessInput(() => undefined, [join(dir, 'none.json')])).toBeUndefined();
  });
});
