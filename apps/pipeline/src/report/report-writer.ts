import type { TsneOptions } from '@digitfuse/analysis';
import { renderPng, writeFileAtomic, type TopLevelSpec } from '@digitfuse/plot';
import { join, relative, sep } from 'node:path';
import { embeddedPng, skippedNote } from './html';
import type { SectionContext } from './sections/section';
import { escapeHtml, htmlTable, markdownTable, type Table } from './tables';
import type { ClusterAgreement, EmbeddingKind } from './types';

/** Settings of a {@link ReportWriter}. */
export interface ReportWriterArgs {
  readonly outDir: string;
  readonly seed: number;
  readonly clusters: number;
  readonly tsne: Omit<TsneOptions, 'seed'>;
  readonly log: (message: string) => void;
}

/** The {@link SectionContext} of one report: collects report.md's lines and the files written. */
export class ReportWriter implements SectionContext {
  readonly seed: number;
  readonly clusters: number;
  readonly tsne: Omit<TsneOptions, 'seed'>;
  readonly clustering: Partial<Record<EmbeddingKind, ClusterAgreement>> = {};
  /** Every file written so far, in order. */
  readonly files: string[] = [];
  /** report.md so far, line by line. */
  readonly lines: string[] = [];
  private readonly outDir: string;
  private readonly logLine: (message: string) => void;

  constructor(args: ReportWriterArgs) {
    this.outDir = args.outDir;
    this.seed = args.seed;
    this.clusters = args.clusters;
    this.tsne = args.tsne;
    this.logLine = args.log;
  }

  log(message: string): void {
    this.logLine(message);
  }

  async chart(name: string, spec: TopLevelSpec, alt: string): Promise<string> {
    const png = await renderPng(spec);
    this.write(name, png);
    this.lines.push(`![${alt}](${name})`, '');
    this.log(`wrote ${name}`);
    return embeddedPng(png, alt);
  }

  table(table: Table, heading: string): string {
    this.lines.push(`### ${heading}`, '', markdownTable(table), '');
    return `<h3>${escapeHtml(heading)}</h3>\n${htmlTable(table)}`;
  }

  paragraph(text: string): string {
    this.lines.push(text, '');
    return `<p>${escapeHtml(text)}</p>`;
  }

  skip(text: string): string {
    this.lines.push(`_${text}_`, '');
    return skippedNote(text);
  }

  markdown(...lines: string[]): void {
    this.lines.push(...lines);
  }

  linkTo(path: string): string {
    return relative(this.outDir, path).split(sep).map(encodeURIComponent).join('/');
  }

  writeFile(name: string, text: string): void {
    this.write(name, text);
  }

  private write(name: string, data: string | Uint8Array): void {
    const path = join(this.outDir, name);
    writeFileAtomic(path, data);
    this.files.push(path);
  }
}
