/**
 * The fusion strategies, one line each: `export { XXX_FUSION as <name> } from './xxx-fusion';`.
 * The name is what a config's `fusion`, `--fusion` and `model:robustness --models` say; read the
 * strategies through `FUSIONS` and `fusionStrategy` (fusions.ts).
 */
export { CONCAT_FUSION as concat } from './concat-fusion';
export { ROBUST_FUSION as robust } from './robust-fusion';
export { ATTENTION_FUSION as attention } from './attention-fusion';
