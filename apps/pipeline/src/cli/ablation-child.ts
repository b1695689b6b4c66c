import { parseArgs, runMain } from '@digitfuse/core';
import { backendOf, dataOf } from '../context';
import { openContext } from '../open-run';
import { toPipelineOptions, withPipelineFlags } from '../options';
import { ablationKey, trainAblation } from '../stages/ablation';
import { bestTrials } from '../study-access';

/**
 * The process `digitfuse full` starts beside its retraining (stages/ablation.ts): `--resume RUN`,
 * trains the evaluate stage's image-only and audio-only models of the run's best trial and writes
 * `ablation.json`. Not a user command; its lines carry an `[ablation]` prefix.
 */
export async function main(argv: readonly string[]): Promise<void> {
  const args = await parseArgs(argv, { name: 'digitfuse ablation-child', describe: 'internal: the modality ablation beside the retraining' }, (y) => withPipelineFlags(y));
  const log = (line: string) => process.stderr.write(`[ablation] ${line.trimStart()}\n`);
  const ctx = { ...openContext(toPipelineOptions(args as Record<string, unknown>), argv, () => undefined), log };
  // The backend and data lines were printed by the main process already.
  const backend = await backendOf({ ...ctx, log: () => undefined });
  const data = await dataOf({ ...ctx, log: () => undefined });
  const [best] = await bestTrials(ctx, 1);
  await trainAblation(ctx, data, await ablationKey(ctx, best.number, backend.name), { quiet: true });
}

if (require.main === module) runMain(main);
