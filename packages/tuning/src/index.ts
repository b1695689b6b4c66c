export { ConfigError, NoStudyTablesError, StorageError, StorageUnavailableError, StudyDeletedError, TrialPruned, TuningError } from './errors';
export { consoleLogger, silentLogger, type TuningLogger } from './logger';
export type {
  CategoricalChoice,
  CategoricalDistribution,
  Distribution,
  FloatDistribution,
  IntDistribution,
  ParamValue,
  SuggestOptions,
} from './distributions';
export type { Direction, FinishedState, FrozenTrial, TrialState, UserAttrValue, WorkerInfo } from './trial-state';
export { trialSeconds } from './trial-state';
export type { StudyView } from './study-view';
export { drawIndex } from './draw-index';
export { Trial } from './trial';
export {
  createStudy,
  HEARTBEAT_DEFAULTS,
  loadStudy,
  Study,
  type Objective,
  type OptimizeCallback,
  type OptimizeOptions,
  type StudyOptions,
} from './study';
export type { Sampler } from './samplers/sampler';
export { RandomSampler, randomSampler, type RandomSamplerArgs } from './samplers/random-sampler';
export {
  defaultGamma,
  defaultGammaMultiObjective,
  defaultWeights,
  TPESampler,
  tpeSampler,
  type TPESamplerArgs,
} from './samplers/tpe-sampler';
export { NSGAIISampler, nsga2Sampler, type NSGAIISamplerArgs } from './samplers/nsga2-sampler';
export { createSampler, SAMPLER_TYPES, type AnySamplerArgs, type SamplerType } from './samplers/registry';
export { constraintViolation, isFeasible } from './constraints';
export { hypervolume } from './multi-objective/hypervolume';
export { dominates, nonDominationRanks, paretoFrontIndices, paretoFrontTrials } from './multi-objective/pareto';
export type { Pruner } from './pruners/pruner';
export { NopPruner, nopPruner } from './pruners/nop-pruner';
export { MedianPruner, medianPruner, PercentilePruner, type MedianPrunerArgs } from './pruners/median-pruner';
export {
  SuccessiveHalvingPruner,
  successiveHalvingPruner,
  type SuccessiveHalvingPrunerArgs,
} from './pruners/successive-halving-pruner';
export { HyperbandPruner, hyperbandPruner, type HyperbandPrunerArgs } from './pruners/hyperband-pruner';
export { hasArtifacts, isStale, type ArtifactStore, type StalePolicy, type Storage, type TrialLimit } from './storage/storage';
export { ReplicatedStorage } from './storage/replicated-storage';
export { InMemoryStorage, inMemoryStorage, type InMemoryStorageArgs } from './storage/in-memory-storage';
export { JournalFileStorage, journalFileStorage, type JournalFileStorageArgs } from './storage/journal-file-storage';
export type { JournalOp } from './storage/journal-ops';
export { isTransient, PostgresStorage, postgresStorage, type PostgresStorageArgs, type StoragePurpose } from './storage/postgres-storage';
export { isPostgresUrl, isWellFormedPostgresUrl, postgresUrlProblem, redactUrl, sameDatabase, type UrlProblem } from './storage/postgres-url';
export { openStorage, type OpenStorageArgs } from './storage/open-storage';
export {
  bestParamsJson,
  bestStep,
  trialsTable,
  type TrialsSource,
  type TrialsTable,
  type TrialsTableOptions,
  type TrialsTableRow,
} from './outputs/trials-table';
export {
  intermediateValues,
  optimizationHistory,
  parallelCoordinates,
  type HistoryPoint,
  type IntermediateSeries,
  type ParallelCoordinatesRow,
} from './outputs/history';
export { paramImportances, type ParamImportanceOptions } from './outputs/param-importance';
export { lastActivity } from './outputs/last-activity';
export { workerLabels } from './outputs/worker-labels';
export { isWorkerGone, THIS_WORKER } from './worker-info';
export { spawnWorkers, type SpawnWorkersOptions, type WorkerExit, type WorkerRun } from './workers';
