import type { Pruner } from './pruner';

/** Never prunes. */
export class NopPruner implements Pruner {
  prune(): boolean {
    return false;
  }
}

/** Factory for `NopPruner`. */
export function nopPruner(): NopPruner {
  return new NopPruner();
}
