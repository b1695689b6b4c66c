import { counted } from '@digitfuse/core';
import { adjustedRandIndex, matchClustersToLabels, normalizedMutualInfo } from '@digitfuse/analysis';
import { kmeansChartSpec, tsneChartSpec, tsneKmeansPairSpec, type EmbeddingPlotData } from '../charts/embedding-charts';
import { EMBEDDING_KINDS as KINDS, embeddingLabel, embeddingMap, mappable } from '../embedding-maps';
import { escapeHtml } from '../tables';
import type { ClusterAgreement, EmbeddingKind } from '../types';
import { fromPart, modelNote, type ReportSection } from './section';

/**
 * t-SNE of each embedding with K-means on it, and the clusters' agreement with the digits; maps given
 * in the input (`EmbeddingsInput.maps`, computed with the same settings) are used as they are.
 */
export const embeddingsSection: ReportSection = {
  id: 'embeddings',
  title: 'Learnt features: t-SNE and K-means',
  render: fromPart((input) => input.embeddings, 'No embeddings were given, so there is no t-SNE / K-means analysis.', async (e, ctx, input) => {
    // First, so report.md says it before the figures too, as the page does.
    const note = modelNote(input, ctx);
    const k = ctx.clusters;
    const seed = ctx.seed;
    const n = e.labels.length;
    // An image-only model's `fused` embedding is its dense layer: nothing is fused (its report said "fused embeddings").
    const label = (kind: EmbeddingKind): string => embeddingLabel(kind, e.dims.audio !== undefined && e.audio !== undefined);
    // The maps first, then the agreement table, then each kind's figures (or why it has none): report.md
    // gets its lines as they are written, so it follows the page's order only when they are written in it.
    const kinds = KINDS.map((kind): { kind: EmbeddingKind; skip: string } | { kind: EmbeddingKind; data: EmbeddingPlotData } => {
      const dim = e.dims[kind];
      const values = e[kind];
      if (values === undefined || dim === undefined) {
        return { kind, skip: `${kind}: none (${kind === 'audio' ? 'an image-only model has no audio branch' : `this model has no ${kind} embedding`}).` };
      }
      if (!mappable(n, dim, k)) return { kind, skip: `${kind}: skipped (${counted(n, 'point')} of ${dim} dims; need at least ${counted(Math.max(k, 4), 'point')}).` };
      const t0 = performance.now();
      const given = e.maps?.[kind];
      const { coords, assigned } = given ?? embeddingMap(values, n, dim, { seed, clusters: k, tsne: ctx.tsne });
      const agreement = { ari: adjustedRandIndex(e.labels, assigned), nmi: normalizedMutualInfo(e.labels, assigned) };
      ctx.clustering[kind] = agreement;
      ctx.log(
        `t-SNE + K-means of ${label(kind)} embeddings (${n} x ${dim}) ${given ? 'computed beforehand' : `in ${((performance.now() - t0) / 1000).toFixed(1)} s`}: ` +
          `ARI ${agreement.ari.toFixed(3)}, NMI ${agreement.nmi.toFixed(3)}`,
      );
      return { kind, data: { kind: label(kind), coords, labels: e.labels, clusters: matchClustersToLabels(assigned, e.labels), k, agreement } };
    });
    const parts: string[] = [];
    const measured = KINDS.filter((kind) => ctx.clustering[kind]);
    if (measured.length > 0) {
      const rows = measured.map((kind) => {
        const c = ctx.clustering[kind] as ClusterAgreement;
        return [label(kind), c.ari.toFixed(4), c.nmi.toFixed(4)];
      });
      parts.push(
        ctx.paragraph(`t-SNE (seed ${seed}) of ${n} validation points; K-means (k = ${k}) on each 2-D embedding, compared with the true digits.`),
        ctx.table({ headers: ['Embedding', 'Adjusted Rand index', 'NMI'], rows }, 'Cluster agreement with digits'),
      );
    }
    for (const entry of kinds) {
      if ('skip' in entry) {
        parts.push(ctx.skip(entry.skip));
        continue;
      }
      const { kind, data } = entry;
      const name = label(kind);
      ctx.markdown(`### ${name} embeddings`, '');
      parts.push(`<h3>${escapeHtml(name)} embeddings</h3>`);
      parts.push(await ctx.chart(`tsne-kmeans-${kind}.png`, tsneKmeansPairSpec(data), `t-SNE of ${name} embeddings coloured by digit, beside K-means (k = ${k}) clusters`));
      await ctx.chart(`tsne-${kind}.png`, tsneChartSpec(data), `t-SNE of ${name} embeddings coloured by digit`);
      await ctx.chart(`kmeans-${kind}.png`, kmeansChartSpec(data), `K-means (k = ${k}) clusters on the t-SNE of ${name} embeddings`);
    }
    return note + parts.join('\n');
  }),
};
