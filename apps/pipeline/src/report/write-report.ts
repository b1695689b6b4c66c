import { adjustedRandIndex, kmeans, matchClustersToLabels, normalizedMutualInfo, tsne, type TsneOptions } from '@digitfuse/analysis';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { renderPng, writeFileAtomic, type TopLevelSpec } from '@digitfuse/plot';
import { ablationSpec } from './charts/ablation-chart';
import { kmeansChartSpec, tsneChartSpec, tsneKmeansPairSpec, type EmbeddingPlotData } from './charts/embedding-charts';
import { confusionMatrixSpec, perClassF1Spec } from './charts/evaluation-charts';
import { displayedValue, optimizationHistorySpec, paramImportancesSpec, parallelCoordinatesSpec } from './charts/search-charts';
import { trainingCurvesSpec } from './charts/training-charts';
import { embeddedPng, reportHtml, skippedNote, type HtmlSection } from './html';
import { ablationTable, escapeHtml, fusionTable, htmlTable, keyValueTable, markdownTable, robustnessTables, trialTable, type Table } from './tables';
import type { ClusterAgreement, EmbeddingKind, ReportInput, ReportResult } from './types';
import { validateReportInput } from './validate-input';

/** Options for {@link writeReport}. */
export interface WriteReportOptions {
  /** Seed for t-SNE and K-means; the same input and seed give the same pictures. Default 0. */
  readonly seed?: number;
  /** Progress messages (one line each). Default: silent. */
  readonly log?: (message: string) => void;
  /** t-SNE settings (see {@link TsneOptions}; its seed is taken from `seed`). Default: tsne()'s defaults. */
  readonly tsne?: Omit<TsneOptions, 'seed'>;
  /** Number of K-means clusters. Default 10. */
  readonly clusters?: number;
}

const KINDS: readonly EmbeddingKind[] = ['fused', 'image', 'audio'];

const SECTION_TITLES = {
  embeddings: 'Learnt features: t-SNE and K-means',
  training: 'Training',
  evaluation: 'Validation',
  search: 'Hyperparameter search',
  ablation: 'Modality ablation',
  robustness: 'Does hearing make seeing more robust?',
  data: 'Data figures',
} as const;

/**
 * Write every figure the input has data for (PNG), `report.md` (tables) and one self-contained
 * `report.html` (PNGs embedded as data URIs) into `outDir`. Absent sections are skipped with a note.
 */
export async function writeReport(input: ReportInput, outDir: string, options: WriteReportOptions = {}): Promise<ReportResult> {
  const { seed = 0, log = () => undefined, tsne: tsneOptions = {}, clusters: k = 10 } = options;
  const started = performance.now();
  validateReportInput(input);
  const files: string[] = [];
  const clustering: Partial<Record<EmbeddingKind, ClusterAgreement>> = {};
  const md: string[] = [`# ${input.title}`, ''];

  const chart = async (name: string, spec: TopLevelSpec, alt: string): Promise<string> => {
    const png = await renderPng(spec);
    const path = join(outDir, name);
    writeFileAtomic(path, png);
    files.push(path);
    md.push(`![${alt}](${name})`, '');
    log(`report: wrote ${name}`);
    return embeddedPng(png, alt);
  };
  const table = (t: Table, heading: string): string => {
    md.push(`### ${heading}`, '', markdownTable(t), '');
    return `<h3>${escapeHtml(heading)}</h3>\n${htmlTable(t)}`;
  };

  const skip = (text: string): string => {
    md.push(`_${text}_`, '');
    return skippedNote(text);
  };
  const heading = (title: string) => md.push(`## ${title}`, '');

  heading('Summary');
  const summaryBody = table(keyValueTable(input.summary), 'Run');

  // Embeddings: t-SNE + K-means per kind.
  heading(SECTION_TITLES.embeddings);
  let embeddingsBody: string;
  const e = input.embeddings;
  if (!e) {
    embeddingsBody = skip('No embeddings were given, so there is no t-SNE / K-means analysis.');
  } else {
    const parts: string[] = [];
    const n = e.labels.length;
    for (const kind of KINDS) {
      const dim = e.dims[kind];
      if (n < Math.max(k, 4) || dim === 0) {
        parts.push(skip(`${kind}: skipped (${n} points of ${dim} dims; need at least ${Math.max(k, 4)} points).`));
        continue;
      }
      const t0 = performance.now();
      const coords = tsne(e[kind], n, dim, { ...tsneOptions, seed });
      const assigned = kmeans(coords, n, k, seed);
      const agreement = { ari: adjustedRandIndex(e.labels, assigned), nmi: normalizedMutualInfo(e.labels, assigned) };
      clustering[kind] = agreement;
      log(`report: t-SNE + K-means of ${kind} embeddings (${n} x ${dim}) in ${((performance.now() - t0) / 1000).toFixed(1)} s: ARI ${agreement.ari.toFixed(3)}, NMI ${agreement.nmi.toFixed(3)}`);
      const data: EmbeddingPlotData = { kind, coords, labels: e.labels, clusters: matchClustersToLabels(assigned, e.labels), k, agreement };
      md.push(`### ${kind} embeddings`, '');
      parts.push(`<h3>${escapeHtml(kind)} embeddings</h3>`);
      parts.push(await chart(`tsne-kmeans-${kind}.png`, tsneKmeansPairSpec(data), `t-SNE of ${kind} embeddings coloured by digit, beside K-means (k = ${k}) clusters`));
      await chart(`tsne-${kind}.png`, tsneChartSpec(data), `t-SNE of ${kind} embeddings coloured by digit`);
      await chart(`kmeans-${kind}.png`, kmeansChartSpec(data), `K-means (k = ${k}) clusters on the t-SNE of ${kind} embeddings`);
    }
    const rows = KINDS.filter((kind) => clustering[kind]).map((kind) => [kind, (clustering[kind] as ClusterAgreement).ari.toFixed(4), (clustering[kind] as ClusterAgreement).nmi.toFixed(4)]);
    if (rows.length > 0) {
      parts.unshift(
        `<p>t-SNE (seed ${seed}) of ${n} validation points; K-means (k = ${k}) on each 2-D embedding, compared with the true digits.</p>`,
        table({ headers: ['Embedding', 'Adjusted Rand index', 'NMI'], rows }, 'Cluster agreement with digits'),
      );
    }
    embeddingsBody = parts.join('\n');
  }

  heading(SECTION_TITLES.training);
  const trainingBody =
    input.history && input.history.length > 0
      ? await chart('training-curves.png', trainingCurvesSpec(input.history), 'Training curves: loss and accuracy per epoch')
      : skip('No training history was given.');

  heading(SECTION_TITLES.evaluation);
  let evaluationBody: string;
  if (input.evaluation) {
    const ev = input.evaluation;
    evaluationBody = [
      await chart('confusion-matrix.png', confusionMatrixSpec(ev), 'Confusion matrix on validation'),
      await chart('per-class-f1.png', perClassF1Spec(ev), 'Per-class F1 on validation'),
      table(
        {
          headers: ['Digit', 'Precision', 'Recall', 'F1', 'Support'],
          rows: ev.perClass.map((c, d) => [String(d), c.precision.toFixed(4), c.recall.toFixed(4), c.f1.toFixed(4), String(c.support)]),
        },
        'Per-class metrics',
      ),
    ].join('\n');
  } else {
    evaluationBody = skip('No validation evaluation was given.');
  }

  heading(SECTION_TITLES.search);
  let searchBody: string;
  const trials = input.trials ?? [];
  if (trials.length === 0) {
    searchBody = skip('No hyperparameter search was run.');
  } else {
    const objective = { direction: input.direction, name: input.objectiveName, logParams: input.logParams };
    const parts = [
      trials.some((t) => displayedValue(t) !== null)
        ? await chart('optimization-history.png', optimizationHistorySpec(trials, objective), 'Optimisation history')
        : skip('No trial has reported a value yet, so there is no optimisation history.'),
    ];
    const completed = trials.filter((t) => t.state === 'COMPLETE' && t.value !== null && Object.keys(t.params).length > 0);
    parts.push(
      completed.length >= 2
        ? await chart('parallel-coordinates.png', parallelCoordinatesSpec(trials, objective), 'Parallel coordinates of parameters vs. value')
        : skip('Parallel coordinates need at least two completed trials with parameters.'),
    );
    parts.push(
      input.importances && Object.keys(input.importances).length > 0
        ? await chart('param-importances.png', paramImportancesSpec(input.importances), 'Hyperparameter importances')
        : skip('No parameter importances were given.'),
    );
    const trialsTable = trialTable(trials);
    writeFileAtomic(join(outDir, 'trials.md'), `${markdownTable(trialsTable)}\n`);
    files.push(join(outDir, 'trials.md'));
    if (input.objectiveNote) {
      md.push(input.objectiveNote, '');
      parts.push(`<p>${escapeHtml(input.objectiveNote)}</p>`);
    }
    parts.push(table(trialsTable, 'Trials'));
    searchBody = parts.join('\n');
  }

  heading(SECTION_TITLES.ablation);
  const ablationBody =
    input.ablation && input.ablation.length > 0
      ? [table(ablationTable(input.ablation), 'Validation accuracy by inputs'), await chart('modality-ablation.png', ablationSpec(input.ablation), 'Modality ablation: validation accuracy')].join('\n')
      : skip('No modality ablation was run.');

  heading(SECTION_TITLES.robustness);
  const paragraph = (text: string): string => {
    md.push(text, '');
    return `<p>${escapeHtml(text)}</p>`;
  };
  const robustnessParts: string[] = [];
  if (input.fusion) {
    robustnessParts.push(
      paragraph(
        "This run's model fuses the senses robustly: a fused head, an image head and an audio head, each trained with its own loss " +
          '(with one sense sometimes blanked in training), combined as a weighted product of experts. The weights were chosen on the ' +
          'validation rows as they are and with shifted audio (a stand-in for speakers not in training), so audio that the model has ' +
          'not learnt to trust cannot overrule a clear image.',
      ),
      table(fusionTable(input.fusion), 'Calibrated fusion of the final model'),
    );
    const t = input.fusion.target;
    if (t) {
      robustnessParts.push(
        paragraph(
          `Adapted to the ${t.n} test rows without their labels: on the ${t.confident} rows where the image head is confident, the audio head ` +
            `agrees with it ${(100 * t.audioAgreement).toFixed(1)}% of the time (its validation accuracy: ${(100 * t.audioValAccuracy).toFixed(1)}%), ` +
            `so the weights of the experts that hear (the audio head, and the fused head in favour of the image head) were multiplied by ${t.audioScale.toFixed(2)}` +
            (t.audioScale < 0.999 ? ': the test voices are less familiar than the validation ones.' : ': the test audio is as familiar as the validation audio.'),
        ),
      );
    }
  }
  if (input.robustness) {
    const [perSet, summary] = robustnessTables(input.robustness);
    robustnessParts.push(
      paragraph(input.robustness.conclusion),
      table(summary, 'Robustness benchmark: mean and worst test accuracy'),
      table(perSet, 'Robustness benchmark: test accuracy per set'),
      paragraph(`Source: ${input.robustness.source}`),
    );
  }
  const robustnessBody = robustnessParts.length > 0 ? robustnessParts.join('\n') : skip('No robustness results were given.');

  heading(SECTION_TITLES.data);
  let extraBody: string;
  if (input.extraImages && input.extraImages.length > 0) {
    extraBody = input.extraImages
      .map((img) => {
        try {
          const html = embeddedPng(readFileSync(img.path), img.title);
          md.push(`![${img.title}](${img.path})`, '');
          return html;
        } catch (err) {
          return skip(`${img.title}: could not read ${img.path} (${(err as NodeJS.ErrnoException).code ?? String(err)}).`);
        }
      })
      .join('\n');
  } else {
    extraBody = skip('No data figures were given.');
  }

  const sections: HtmlSection[] = [
    { id: 'summary', title: 'Summary', body: summaryBody },
    { id: 'embeddings', title: SECTION_TITLES.embeddings, body: embeddingsBody },
    { id: 'training', title: SECTION_TITLES.training, body: trainingBody },
    { id: 'evaluation', title: SECTION_TITLES.evaluation, body: evaluationBody },
    { id: 'search', title: SECTION_TITLES.search, body: searchBody },
    { id: 'ablation', title: SECTION_TITLES.ablation, body: ablationBody },
    { id: 'robustness', title: SECTION_TITLES.robustness, body: robustnessBody },
    { id: 'data', title: SECTION_TITLES.data, body: extraBody },
  ];
  const mdPath = join(outDir, 'report.md');
  writeFileAtomic(mdPath, `${md.join('\n')}\n`);
  files.push(mdPath);
  const htmlPath = join(outDir, 'report.html');
  writeFileAtomic(htmlPath, reportHtml(input.title, sections, `Generated by @digitfuse/pipeline report (seed ${seed}).`));
  files.push(htmlPath);
  const seconds = (performance.now() - started) / 1000;
  log(`report: wrote ${files.length} files to ${outDir} in ${seconds.toFixed(1)} s`);
  return { files, clustering, seconds };
}
