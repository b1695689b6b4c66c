export { AnalysisError } from './errors';
export { tsne, type TsneOptions } from './tsne';
export { kmeans, kmeansFit, type KMeansOptions, type KMeansResult } from './kmeans';
export { pcaFit, pcaProject, type PcaResult } from './pca';
export { adjustedRandIndex, normalizedMutualInfo, matchClustersToLabels } from './partition-agreement';
