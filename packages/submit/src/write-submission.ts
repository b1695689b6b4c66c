import { writeFileAtomic } from '@digitfuse/core';
import { NUM_CLASSES, workspaceRoot } from '@digitfuse/data';
import { join } from 'node:path';

/** The submission's header, as the competition expects it. */
export const SUBMISSION_HEADER = 'row_id,label';

/**
 * The submission `predict` writes and `upload` sends when not given one: `<workspace>/submission.csv`,
 * whatever the current folder (as every default output is in the workspace).
 */
export const defaultSubmissionPath = (): string => join(workspaceRoot(), 'submission.csv');

/** Format predictions as the competition's CSV: `row_id,label`, one row per test row, in order. */
export function formatSubmission(labels: ArrayLike<number>): string {
  const lines = new Array<string>(labels.length + 1);
  lines[0] = SUBMISSION_HEADER;
  for (let i = 0; i < labels.length; i++) {
    const label = labels[i];
    if (!Number.isInteger(label) || label < 0 || label >= NUM_CLASSES) {
      throw new RangeError(`Expected prediction ${i} to be an integer digit 0..${NUM_CLASSES - 1}, found ${label}`);
    }
    lines[i + 1] = `${i},${label}`;
  }
  return lines.join('\n') + '\n';
}

/**
 * Write `submission.csv` atomically (a temp file beside it, then rename): an interrupted run never
 * leaves a half-written submission, and an earlier one stays intact until the new one is complete.
 */
export function writeSubmission(path: string, labels: ArrayLike<number>): string {
  writeFileAtomic(path, formatSubmission(labels));
  return path;
}
