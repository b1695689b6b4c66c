import { useTempDir } from '@digitfuse/core/testing';
import { buildDemoDataset, readNpy, writeNpy } from '@digitfuse/data';
import { join } from 'node:path';
import { fixtureOptions } from '../dashboard/testing/fixture-run';
import type { PipelineOptions } from '../options';
import { createRun } from '../run-artifacts';
import { buildSummary } from './report-stage';
import { dataStage } from './data-stage';

describe('dataStage', () => {
  const tempDir = useTempDir('data-stage-');

  it("keeps what it warned of in its facts, so that the run's summary says it too", async () => {
    // Test audio x2, gone on with --allow-shift: one console line; summary.md and the report said nothing of it.
    const data = join(tempDir(), 'data');
    await buildDemoDataset(data, { train: 240, test: 60, seed: 3 });
    const audio = readNpy(join(data, 'x_test_sp.npy'));
    writeNpy(join(data, 'x_test_sp.npy'), (audio.data as Float32Array).map((v) => v * 2), audio.shape);
    const options = { ...fixtureOptions(join(tempDir(), 'run')), data, allowShift: true } as PipelineOptions;
    const { layout, state } = createRun(join(tempDir(), 'run'), options);
    const lines: string[] = [];
    const ctx = { options, layout, state, log: (line: string) => lines.push(line) };
    const facts = await dataStage.run(ctx);
    const warned = lines.filter((l) => l.startsWith('    warning: ')).map((l) => l.slice('    warning: '.length));
    expect(warned.length).toBeGreaterThan(0);
    expect(facts?.warnings).toBe(warned.join('; '));
    state.stages.data = { seconds: 1, finishedAt: '', facts: facts ?? {} };
    expect(buildSummary(ctx, null)['data warnings']).toBe(warned.join('; '));
  });
});
