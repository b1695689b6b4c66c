import type { TsneOptions } from '@digitfuse/analysis';
import type { TopLevelSpec } from '@digitfuse/plot';
import type { Table } from '../tables';
import type { ClusterAgreement, EmbeddingKind, ReportInput } from '../types';

/**
 * What a section renders with: the run's settings, and writers that put each figure, table and
 * paragraph in both report.md and the returned HTML, so a section says everything once.
 */
export interface SectionContext {
  /** Seed of t-SNE and K-means. */
  readonly seed: number;
  /** Number of K-means clusters. */
  readonly clusters: number;
  /** t-SNE settings (the seed is {@link seed}). */
  readonly tsne: Omit<TsneOptions, 'seed'>;
  /** K-means agreement with the digits per embedding, filled by the embeddings section. */
  readonly clustering: Partial<Record<EmbeddingKind, ClusterAgreement>>;
  /** A progress line. */
  log(message: string): void;
  /** Renders `spec` to `name` (PNG) beside the report, links it in report.md; returns the embedded figure. */
  chart(name: string, spec: TopLevelSpec, alt: string): Promise<string>;
  /** A table under a `###` heading, in report.md and as HTML. */
  table(table: Table, heading: string): string;
  /** A paragraph, in report.md and as HTML. */
  paragraph(text: string): string;
  /** A note shown instead of content whose input is absent. */
  skip(text: string): string;
  /**
   * How report.md links a file written elsewhere: relative to the report's folder (forward slashes,
   * URL-escaped), so the report still finds it when the run directory is moved or copied.
   */
  linkTo(path: string): string;
  /** Lines for report.md only. */
  markdown(...lines: string[]): void;
  /** Writes a text file beside the report (listed in the result). */
  writeFile(name: string, text: string): void;
}

/**
 * A section's `render` drawn from one part of the input: `render(part, ctx, input)`, or the note
 * `missing` (or `missing(input)`; and the input's `pendingNote`) in its place when that part is
 * absent or an empty list.
 */
export function fromPart<T>(
  part: (input: ReportInput) => T | null | undefined,
  missing: string | ((input: ReportInput) => string),
  render: (part: NonNullable<T>, ctx: SectionContext, input: ReportInput) => Promise<string> | string,
): ReportSection['render'] {
  return (input, ctx) => {
    const value = part(input);
    if (value != null && !(Array.isArray(value) && value.length === 0)) return render(value, ctx, input);
    const note = typeof missing === 'string' ? missing : missing(input);
    return ctx.skip(input.pendingNote ? `${note} ${input.pendingNote}` : note);
  };
}

/** The reports (their contexts) that have said their `modelNote` in full already. */
const noted = new WeakSet<SectionContext>();

/**
 * The input's `modelNote` as a paragraph, or nothing: which model a section's figures are of. The
 * first section to say it gives it in full; later sections of the same report refer back to it.
 */
export function modelNote(input: ReportInput, ctx: SectionContext): string {
  if (!input.modelNote) return '';
  if (noted.has(ctx)) return ctx.paragraph('These figures too are of that model (the best trial\'s; see the note above).');
  noted.add(ctx);
  return ctx.paragraph(input.modelNote);
}

/** One section of the report: an anchor id, a title (the `##` heading and the nav link) and its body. */
export interface ReportSection {
  readonly id: string;
  readonly title: string;
  /** The section's HTML body; its figures, tables and Markdown go through `ctx`. */
  render(input: ReportInput, ctx: SectionContext): Promise<string> | string;
}
