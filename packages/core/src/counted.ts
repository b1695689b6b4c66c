/**
 * A count with its noun, singular for one: `counted(1, 'epoch')` is `1 epoch`, `counted(3, 'epoch')`
 * `3 epochs`; `plural` for a noun that does not take an s (`counted(2, 'process', 'processes')`).
 * An unknown count (undefined) reads `undefined epochs`, as a template would have it.
 */
export function counted(n: number | undefined, noun: string, plural = `${noun}s`): string {
  return `${n} ${n === 1 ? noun : plural}`;
}
