import { ReportInputError } from './errors';
import type { ReportInput } from './types';

/** Check the shapes a report depends on; throws {@link ReportInputError} naming the field. */
export function validateReportInput(input: ReportInput): void {
  const e = input.embeddings;
  if (e) {
    const n = e.labels.length;
    for (const kind of ['fused', 'image', 'audio'] as const) {
      const dim = e.dims[kind];
      if (!Number.isInteger(dim) || dim < 0) {
        throw new ReportInputError(`embeddings.dims.${kind}: expected a non-negative integer, got ${dim}`);
      }
      if (e[kind].length !== n * dim) {
        throw new ReportInputError(
          `embeddings.${kind}: expected ${n} rows x ${dim} dims = ${n * dim} values (labels has ${n}), got ${e[kind].length}`,
        );
      }
      const bad = e[kind].findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new ReportInputError(`embeddings.${kind}: value ${bad} (row ${Math.floor(bad / dim)}) is ${e[kind][bad]}, expected a finite number`);
      }
    }
  }
  const ev = input.evaluation;
  if (ev) {
    const k = ev.confusion.length;
    ev.confusion.forEach((row, i) => {
      if (row.length !== k) throw new ReportInputError(`evaluation.confusion: expected a ${k} x ${k} matrix, row ${i} has ${row.length} entries`);
    });
    if (ev.perClass.length !== k) {
      throw new ReportInputError(`evaluation.perClass: expected ${k} classes (as the confusion matrix), got ${ev.perClass.length}`);
    }
  }
}
