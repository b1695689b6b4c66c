export * from './types';
export * from './errors';
export { readNpy, parseNpy, fortranToC, formatShape, type NpyFloat32, type NpyDtypeName } from './npy/read-npy';
export { encodeNpy, writeNpy } from './npy/write-npy';
export { readLabelsCsv, parseLabelsCsv, type LabelsCsv, type ReadLabelsOptions } from './csv/read-labels';
export { csvTextProblem } from './csv/text-problem';
export { loadCompetition, loadTestLabels, misnamedHint, requireDataDir, requireTrainingFiles, testRowCount, COMPETITION_FILES, type LoadCompetitionOptions } from './load-competition';
export {
  fitPreprocessStats,
  fitAudioStats,
  imageScaleFromRange,
  preprocess,
  subset,
  oneHot,
  valueRange,
  detectImageScale,
  MIN_AUDIO_STD,
  type PreprocessOptions,
} from './preprocess';
export { statsToJSON, statsFromJSON, saveStats, loadStats, type PreprocessStatsJSON } from './stats-json';
export { inputShift, audioShift, audioShiftLevel, describeAudioShift, SHIFT_LIMITS, type AudioShift, type AudioUse, type ShiftLevel, type ShiftReport } from './shift-check';
export { audioDuplicateGroups, type AudioGroups } from './duplicates';
export { splitRows, type Split, type SplitMode, type SplitOptions } from './split';
export { prepareData, warningsOnly, dataFingerprint, defaultCacheDir, countClasses, checkPreparedCache, emptyValidationWarning, checkTestAudioScale, testAudioScale, PREPARED_CACHE_FILE, type PrepareDataOptions, type PreparedData, type TestAudioScale } from './prepare-data';
export { formatSummary, type DataSummary, type ValueRange } from './summary';
export { createRng, permutation, shuffleInPlace, type Rng } from '@digitfuse/core';
export {
  buildDemoDataset,
  ensureDemoDataset,
  defaultDemoDir,
  readDemoManifest,
  DEMO_MANIFEST,
  type DemoOptions,
  type EnsureDemoOptions,
  type DemoManifest,
} from './demo/build-demo';
export { loadAudioBank, type AudioBank } from './demo/audio-bank';
export { writeDataFigures, dataFigureSpecs, DATA_FIGURES, MAX_GRID_IMAGES, type DataFiguresOptions, type DataFiguresInput, type DataFigureSpecsOptions } from './figures/write-figures';
export { digitsGridSpec, type DigitsGridOptions } from './figures/digits-grid';
export { mfccMapsSpec, coefficientZScores, type MfccMap, type MfccMapsOptions } from './figures/mfcc-maps';
export { workspaceRoot, cachePath, runsPath } from './workspace';
export { writeFileAtomic } from '@digitfuse/core';
