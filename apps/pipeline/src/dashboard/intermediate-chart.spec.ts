import { renderSvg } from '@digitfuse/plot';
import type { TrialInput } from '../report';
import { intermediateValuesSpec } from './intermediate-chart';

const trial = (number: number, state: TrialInput['state'], curve: number[]): TrialInput => ({
  number,
  state,
  params: {},
  value: state === 'COMPLETE' ? curve[curve.length - 1] : null,
  bestEpoch: null,
  seconds: null,
  intermediate: curve.map((v, i) => [i + 1, v] as const),
});

describe('intermediateValuesSpec()', () => {
  it('draws one line per trial, the best one apart, and marks where a trial was pruned', async () => {
    const spec = intermediateValuesSpec(
      [trial(0, 'COMPLETE', [0.9, 0.95, 0.97]), trial(1, 'COMPLETE', [0.92, 0.98, 0.99]), trial(2, 'PRUNED', [0.5, 0.6]), trial(3, 'RUNNING', [0.9])],
      { bestTrial: 1 },
    );
    const svg = await renderSvg(spec);
    for (const label of ['Intermediate values per epoch', 'completed trial', 'best trial', 'pruned trial', 'pruned here', 'running trial', 'Epoch']) {
      expect(svg).toContain(label);
    }
    expect(svg).not.toContain('failed trial'); // the legend lists only the series present
    expect(svg.match(/aria-roledescription="line mark"/g)).toHaveLength(4); // one path per trial
  });

  it('labels each epoch once when there are few (a run with --epochs 3 read "1, 2, 2, 3, 3")', async () => {
    const svg = await renderSvg(intermediateValuesSpec([trial(0, 'COMPLETE', [0.9, 0.95, 0.97]), trial(1, 'RUNNING', [0.8])], { bestTrial: 0 }));
    const labels = [...svg.matchAll(/<g class="mark-text role-axis-label"[^>]*>(.*?)<\/g>/gs)].map((m) => [...m[1].matchAll(/>([^<]*)<\/text>/g)].map((t) => t[1]));
    expect(labels).toContainEqual(['1', '2', '3']);
  });

  it("labels its value axis around the one value of the first epoch (the dashboard then read 0.5000 as \"1\")", async () => {
    const svg = await renderSvg(intermediateValuesSpec([trial(0, 'RUNNING', [0.5])]));
    const labels = [...svg.matchAll(/<g class="mark-text role-axis-label"[^>]*>(.*?)<\/g>/gs)].map((m) => [...m[1].matchAll(/>([^<]*)<\/text>/g)].map((t) => t[1]));
    const [epochs, values] = labels;
    expect(epochs).toEqual(['1']);
    expect(values).toEqual(expect.arrayContaining(['0.490', '0.500', '0.510']));
    expect(values).not.toContain('1');
  });

  it('has no empty layer when no trial was pruned and none is best yet', async () => {
    const spec = intermediateValuesSpec([trial(0, 'RUNNING', [0.9, 0.93])]) as unknown as { layer: Array<{ layer?: unknown[] }> };
    expect(spec.layer).toHaveLength(1);
    expect(spec.layer[0].layer).toHaveLength(1);
    expect(await renderSvg(spec as never)).toContain('running trial');
  });
});
