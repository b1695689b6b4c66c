export { writeReport, type WriteReportOptions } from './write-report';
export { embeddingLabel, embeddingMaps, embeddingMap, EMBEDDING_KINDS, type EmbeddingMap, type EmbeddingMaps, type MapSettings } from './embedding-maps';
export { REPORT_SECTIONS, type ReportSection, type SectionContext } from './sections';
export type {
  ReportInput,
  ReportResult,
  ClusterAgreement,
  EmbeddingKind,
  EmbeddingsInput,
  EvaluationInput,
  HistoryEntry,
  TrialInput,
  TrialState,
  AblationEntry,
} from './types';
export { ReportInputError } from './errors';
export { tsneChartSpec, kmeansChartSpec, tsneKmeansPairSpec, type EmbeddingPlotData } from './charts/embedding-charts';
export { trainingCurvesSpec } from './charts/training-charts';
export { confusionMatrixSpec, perClassF1Spec } from './charts/evaluation-charts';
export { optimizationHistorySpec, parallelCoordinatesSpec, paramImportancesSpec, type ObjectiveInfo } from './charts/search-charts';
/** A parameter's value as the report and the dashboard show it (one implementation, format-param.js, which the dashboard page loads too). */
export { formatParam } from './charts/format-param';
export { ablationSpec } from './charts/ablation-chart';
export { trialTable, ablationTable, keyValueTable, markdownTable, htmlTable, summaryCell, type Table } from './tables';
