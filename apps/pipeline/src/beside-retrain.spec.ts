import { fixtureOptions } from './dashboard/testing/fixture-run';
import { besideRetrainWork } from './beside-retrain';
import type { PipelineOptions } from './options';

describe('besideRetrainWork()', () => {
  const options = fixtureOptions('/tmp/run') as PipelineOptions;

  it('says the process beside the retraining trains the ablation and maps the embeddings, of what the run has', () => {
    expect(besideRetrainWork({ options })).toEqual(['trains the modality ablation', "maps the report's embeddings"]);
    expect(besideRetrainWork({ options: { ...options, report: false } })).toEqual(['trains the modality ablation']);
  });

  it('gives an image-only run no ablation to train beside it (its model is the image-only one), and nothing at all without its report', () => {
    // `full --modality image` said "process N trains the modality ablation and maps the report's embeddings"; evaluate then said it had none.
    expect(besideRetrainWork({ options: { ...options, modality: 'image' } })).toEqual(["maps the report's embeddings"]);
    expect(besideRetrainWork({ options: { ...options, modality: 'image', report: false } })).toEqual([]);
  });
});
