export { UserError, UsageError } from './errors';
export { parseArgs, HelpShown, nearestName, typedNumber, type CliSpec } from './cli/parse-args';
export { redactCredentials } from './redact-credentials';
export { runCli, runMain, reportError, debugEnabled, outliveClosedOutput } from './cli/run-cli';
export { beforeStopping, onStopSignals, stopAfterWork, stopWord, unlessStopping, untilStopSignal, SAME_STOP_MS, STOP_WORK_MS, type StopWork } from './cli/stop-signals';
export { endWithParent, parentPidEnv, PARENT_PID_ENV } from './cli/end-with-parent';
export { MAX_BATCH, positiveInt, type IntRange } from './cli/positive-int';
export { listFlag } from './cli/list-flag';
export { readJsonFile } from './read-json';
export { folderProblem, inputFileProblem, readProblem, somethingAt, type FolderProblem } from './input-file';
export { checkOutputFile, checkOutputFolder, diskProblem, followLinks, makeDirs, outputFolderProblem, FileWriteError, processAlive, removeLeftoversOfEnded, writeFileAtomic, writeFileAtomicAsync, writeFileAtomicWith, writeFilesAtomic, writeProblem } from './write-atomic';
export {
  createRng,
  mulberry32,
  xoshiro128,
  streamFor,
  hashString,
  randomSeed,
  uniform,
  choice,
  shuffleInPlace,
  permutation,
  RANDOM_SOURCE,
  MAX_SEED,
  type Rng,
} from './random';
export { parseDuration, formatDuration } from './duration';
export { markdownTable, type ColumnAlign } from './markdown-table';
export { counted } from './counted';
export { shellQuote } from './shell-quote';
export { eventLoopTurns } from './event-loop';
export { lockSyncWaiting, type WaitingLockOptions } from './lock-waiting';
