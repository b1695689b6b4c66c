import { ReportInputError } from './errors';
import type { ReportInput } from './types';

/** Check the shapes a report depends on; throws {@link ReportInputError} naming the field. */
export function validateReportInput(input: ReportInput): void {
  const e = input.embeddings;
  if (e) {
    const n = e.labels.length;
    for (const kind of ['fused', 'image', 'audio'] as const) {
      const dim = e.dims[kind];
      const values = e[kind];
      // A kind the model lacks is absent with its dims.
      if (values === undefined && dim === undefined) continue;
      if (values === undefined || dim === undefined || !Number.isInteger(dim) || dim < 0) {
        throw new ReportInputError(`embeddings.dims.${kind}: expected a non-negative integer, got ${dim}`);
      }
      if (values.length !== n * dim) {
        throw new ReportInputError(
          `embeddings.${kind}: expected ${n} rows x ${dim} dims = ${n * dim} values (labels has ${n}), got ${values.length}`,
        );
      }
      const bad = values.findIndex((v) => !Number.isFinite(v));
      if (bad >= 0) {
        throw new ReportInputError(`embeddings.${kind}: value ${bad} (row ${Math.floor(bad / dim)}) is ${values[bad]}, expected a finite number`);
      }
      const map = e.maps?.[kind];
      if (map && (map.coords.length !== 2 * n || map.assigned.length !== n)) {
        throw new ReportInputError(`embeddings.maps.${kind}: expected ${2 * n} coordinates and ${n} clusters, got ${map.coords.length} and ${map.assigned.length}`);
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
