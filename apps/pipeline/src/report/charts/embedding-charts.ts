import type { TopLevelSpec } from '@digitfuse/plot';
import type { ClusterAgreement } from '../types';
import { CATEGORY_SCHEME, LEGEND_CONFIG, PANEL_SIZE, TITLE_CONFIG, distinctSorted, round } from './theme';

/** Data for one embedding's pair of plots. */
export interface EmbeddingPlotData {
  /** Which embedding, e.g. 'fused'. */
  readonly kind: string;
  /** 2-D coordinates [x0, y0, x1, y1, ...]. */
  readonly coords: ArrayLike<number>;
  /** True digit per point. */
  readonly labels: ArrayLike<number>;
  /** K-means cluster per point (ideally renumbered to match digits). */
  readonly clusters: ArrayLike<number>;
  /** Number of clusters asked of K-means. */
  readonly k: number;
  readonly agreement: ClusterAgreement;
}

type Layer = Record<string, unknown>;

/**
 * The legend's name of each cluster: the digit it was matched to, or `unmatched 1`, `unmatched 2`...
 * for those left over when the sample holds fewer digits than clusters (matchClustersToLabels numbers
 * them after the digits, so a cluster "9" or "10" would read as a digit that is not there).
 */
function clusterNames(data: EmbeddingPlotData): Map<number, string> {
  const digits = new Set(Array.from(data.labels));
  let unmatched = 0;
  return new Map(distinctSorted(data.clusters).map((c) => [c, digits.has(c) ? String(c) : `unmatched ${++unmatched}`]));
}

function scatterLayer(data: EmbeddingPlotData, field: 'digit' | 'cluster', title: string, subtitle: string | string[]): Layer {
  const values: Array<Record<string, number | string>> = [];
  const n = data.labels.length;
  const names = clusterNames(data);
  for (let i = 0; i < n; i++) {
    values.push({
      x: round(data.coords[2 * i]),
      y: round(data.coords[2 * i + 1]),
      digit: data.labels[i],
      cluster: names.get(data.clusters[i]) as string,
    });
  }
  const domain = field === 'digit' ? distinctSorted(data.labels) : [...names.values()];
  return {
    title: { text: title, subtitle },
    width: PANEL_SIZE,
    height: PANEL_SIZE,
    data: { values },
    mark: { type: 'circle', size: 14, opacity: 0.75 },
    encoding: {
      x: { field: 'x', type: 'quantitative', axis: { title: 't-SNE 1', labels: false, ticks: false, grid: false } },
      y: { field: 'y', type: 'quantitative', axis: { title: 't-SNE 2', labels: false, ticks: false, grid: false } },
      color: {
        field,
        type: 'nominal',
        scale: { scheme: CATEGORY_SCHEME, domain },
        legend: { title: field === 'digit' ? 'True digit' : 'Cluster', ...LEGEND_CONFIG },
      },
    },
  };
}

function agreementText(data: EmbeddingPlotData): string {
  return `K-means (k = ${data.k}) vs. true digits: adjusted Rand index ${data.agreement.ari.toFixed(3)}, NMI ${data.agreement.nmi.toFixed(3)}`;
}

/** t-SNE of one embedding, points coloured by true digit. */
export function tsneChartSpec(data: EmbeddingPlotData): TopLevelSpec {
  return {
    ...scatterLayer(data, 'digit', `t-SNE of ${data.kind} embeddings`, `${data.labels.length} validation points, coloured by true digit`),
    config: { title: TITLE_CONFIG },
  } as TopLevelSpec;
}

/** K-means clusters on the same 2-D t-SNE embedding, coloured by cluster, with ARI/NMI. */
export function kmeansChartSpec(data: EmbeddingPlotData): TopLevelSpec {
  return {
    ...scatterLayer(
      data,
      'cluster',
      `K-means (k = ${data.k}) on the t-SNE of ${data.kind} embeddings`,
      [`ARI ${data.agreement.ari.toFixed(3)}, NMI ${data.agreement.nmi.toFixed(3)} vs. true digits`, 'clusters numbered by their best-matching digit'],
    ),
    config: { title: TITLE_CONFIG },
  } as TopLevelSpec;
}

/** Both plots side by side, with the clusters' agreement with the digits printed under the pair. */
export function tsneKmeansPairSpec(data: EmbeddingPlotData): TopLevelSpec {
  return {
    title: { text: agreementText(data), orient: 'bottom', anchor: 'middle', fontSize: 14, fontWeight: 'bold', offset: 16 },
    hconcat: [
      scatterLayer(data, 'digit', `t-SNE of ${data.kind} embeddings`, 'coloured by true digit'),
      scatterLayer(data, 'cluster', `K-means (k = ${data.k}) on the same 2-D embedding`, 'coloured by cluster (numbered by best-matching digit)'),
    ],
    resolve: { scale: { color: 'independent' }, legend: { color: 'independent' } },
    config: { title: TITLE_CONFIG },
  } as unknown as TopLevelSpec;
}
