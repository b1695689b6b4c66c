import { outliveClosedOutput, parseArgs, runMain } from '@digitfuse/core';
import { backendOf, dataOf } from '../context';
import { openContext } from '../open-run';
import { toPipelineOptions, withPipelineFlags } from '../options';
import { embeddingMaps } from '../report';
import { ablationKey, hasAblation, savedAblation, trainAblation } from '../ablation';
import { reportEmbeddings, reportMapSettings, saveMaps, savedMaps } from '../report-maps';
import { bestTrials } from '../study-access';

/**
 * The process `digitfuse full` starts beside its retraining (beside-retrain.ts), `--resume
 * RUN`: trains the evaluate stage's image-only and audio-only models of the run's best trial
 * (`ablation.json`), then maps the report's embeddings with t-SNE + K-means (`embedding-maps.json`),
 * skipping what is saved already. Not a user command; its lines carry a `[beside]` prefix.
 */
export async function main(argv: readonly string[]): Promise<void> {
  const args = await parseArgs(argv, { name: 'digitfuse beside-retrain', describe: 'internal: work beside the retraining' }, (y) => withPipelineFlags(y));
  // The run goes on to its last file when its output's reader is gone (`| head`, a closed terminal).
  outliveClosedOutput();
  const log = (line: string) => process.stderr.write(`[beside] ${line.trimStart()}\n`);
  const ctx = { ...openContext(toPipelineOptions(args as Record<string, unknown>), argv, () => undefined), log };
  // The backend and data lines were printed by the main process already.
  const backend = await backendOf({ ...ctx, log: () => undefined });
  const data = await dataOf({ ...ctx, log: () => undefined });
  const [best] = await bestTrials(ctx, 1);
  const key = await ablationKey(ctx, best.number, backend.name);
  if (hasAblation(ctx) && savedAblation(ctx, key) === null) await trainAblation(ctx, data, key, { quiet: true });
  if (!ctx.options.report) return;
  const embeddings = await reportEmbeddings(ctx, data, best.number);
  const settings = reportMapSettings(ctx);
  if (embeddings && savedMaps(ctx, embeddings, settings) === null) {
    const t0 = performance.now();
    saveMaps(ctx, embeddings, settings, embeddingMaps(embeddings, settings));
    log(`t-SNE + K-means maps of the report's embeddings in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
}

if (require.main === module) runMain(main);
