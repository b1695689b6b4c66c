import type { EmbeddingMaps } from './embedding-maps';

/** One epoch of training history. */
export interface HistoryEntry {
  readonly epoch: number;
  readonly loss: number;
  readonly acc: number;
  readonly val_loss?: number;
  readonly val_acc?: number;
}

/** Evaluation of the final model on validation data. */
export interface EvaluationInput {
  readonly accuracy: number;
  readonly macroF1: number;
  /** confusion[true][predicted] counts. */
  readonly confusion: readonly (readonly number[])[];
  readonly perClass: ReadonlyArray<{ precision: number; recall: number; f1: number; support: number }>;
}

export type TrialState = 'COMPLETE' | 'PRUNED' | 'FAIL' | 'RUNNING';

/** One hyperparameter-search trial. */
export interface TrialInput {
  readonly number: number;
  readonly state: TrialState;
  readonly params: Readonly<Record<string, number | string>>;
  readonly value: number | null;
  /**
   * The epoch (counted from 1) whose weights the trial kept (early stopping on validation loss; what
   * retraining trains for), else, for a trial that did not record it, the epoch of its best intermediate value.
   */
  readonly bestEpoch: number | null;
  /** Whether the search budget stopped the trial before its epochs or early stopping ended it. */
  readonly stoppedByBudget?: boolean;
  readonly seconds: number | null;
  /** Reported intermediate values as [step, value]. */
  readonly intermediate: ReadonlyArray<readonly [step: number, value: number]>;
  /** Validation accuracy on clean and shifted audio and of the image expert, when the trial recorded them. */
  readonly figures?: { readonly clean: number; readonly shifted: number; readonly image: number | null } | null;
  /** Which worker ran it (`workerLabels`: a host, or a process id), when several machines or processes ran the trials. */
  readonly worker?: string | null;
  /** Why a FAIL trial failed, as the study recorded it (e.g. its process ended while it ran). */
  readonly failReason?: string | null;
  /** The trial that ran a FAIL trial's parameters again, if one did. */
  readonly retriedAs?: number | null;
  /**
   * Whether a RUNNING trial was left so by a search that no process runs any more (Ctrl-C, a kill):
   * stopped mid-trial, not running (the resume fails it and runs its parameters again).
   */
  readonly stopped?: boolean;
}

/**
 * Embeddings of a validation sample, row-major: each kind the model has (an image-only model has no
 * audio embedding), with its dims.
 */
export interface EmbeddingsInput {
  readonly labels: Int32Array;
  readonly fused?: Float32Array;
  readonly image?: Float32Array;
  readonly audio?: Float32Array;
  readonly dims: { readonly fused?: number; readonly image?: number; readonly audio?: number };
  /**
   * t-SNE + K-means maps computed beforehand with the report's seed, cluster count and t-SNE settings
   * (`embeddingMaps`); the report computes those absent.
   */
  readonly maps?: EmbeddingMaps;
}

/** A modality-ablation result. */
export interface AblationEntry {
  readonly modality: 'both' | 'image' | 'audio';
  readonly valAccuracy: number;
  readonly note?: string;
}

/** Accuracy and mean cross-entropy of one classifier. */
export interface HeadScoreInput {
  readonly acc: number;
  readonly loss: number;
}

/** A robust-fusion model's calibration: expert weights and each expert on validation data. */
export interface FusionInput {
  /** The model's fusion strategy (`robust`, `attention`): what its fused head is. Default: robust. */
  readonly strategy?: string;
  readonly weights: Readonly<Record<'fused' | 'image' | 'audio', number>>;
  /** On the validation rows as they are. */
  readonly clean: Readonly<Record<'fused' | 'image' | 'audio' | 'product', HeadScoreInput>>;
  /** On the validation rows with shifted audio (a stand-in for unseen speakers). */
  readonly shifted: Readonly<Record<'fused' | 'image' | 'audio' | 'product', HeadScoreInput>>;
  /** The audio weight's adaptation to the unlabelled test rows, when there were any. */
  readonly target?: {
    readonly n: number;
    readonly confident: number;
    readonly audioAgreement: number;
    readonly audioValAccuracy: number;
    readonly audioScale: number;
  };
}

/** The robust-fusion benchmark (`model:robustness`): test accuracy per set and model. */
export interface RobustnessInput {
  /** Where the numbers come from (file and how they were measured). */
  readonly source: string;
  /** Column titles of the models, in order (e.g. image only, audio only, plain fusion, robust fusion). */
  readonly models: readonly string[];
  readonly perSet: ReadonlyArray<{ readonly set: string; readonly acc: ReadonlyArray<number | null> }>;
  readonly summary: ReadonlyArray<{ readonly group: string; readonly model: string; readonly mean: number; readonly worst: number; readonly worstSet: string }>;
  /** The answer to the paper's question, in words with the numbers. */
  readonly conclusion: string;
}

/** Everything a run report can show; every section but the summary is optional. */
export interface ReportInput {
  readonly title: string;
  /** Shown as a key/value table (best params, accuracies, timings, backend...). */
  readonly summary: Readonly<Record<string, string | number>>;
  /**
   * Which model the embeddings, training curves and validation figures are of, when it is not the
   * one that made the submission (one or two sentences, shown at the top of those sections).
   */
  readonly modelNote?: string;
  /**
   * Why parts of a run are not in the report yet and how to get them (e.g. a run whose later stages
   * have not run): added to the note of each section whose input is absent.
   */
  readonly pendingNote?: string;
  readonly embeddings?: EmbeddingsInput;
  readonly history?: readonly HistoryEntry[];
  /**
   * The model's outputs whose cross-entropies its training loss sums (robust fusion: its fused head
   * and two experts, so the loss starts near 3 x ln 10, not ln 10). Default one: the prediction.
   */
  readonly lossHeads?: readonly string[];
  /**
   * Whether the model's prediction is a product of experts whose weights were calibrated after its
   * training (robust and attention fusion): its accuracy per epoch is then the fused head's alone (the
   * product's weights before calibration), not that of the model's final output. Default false.
   */
  readonly calibratedExperts?: boolean;
  readonly evaluation?: EvaluationInput;
  readonly trials?: readonly TrialInput[];
  /** Whether larger trial values are better. Default 'maximize'. */
  readonly direction?: 'maximize' | 'minimize';
  /** Name of the search objective, for axis labels. Default 'validation accuracy'. */
  readonly objectiveName?: string;
  /** How the best trial was chosen, in a sentence with its figures (shown above the trials table). */
  readonly objectiveNote?: string;
  /** Parameters sampled on a log scale, drawn on log axes. Default: guessed from the values. */
  readonly logParams?: readonly string[];
  /**
   * What a pruned trial's value (its last reported one) is when it is not the objective, e.g. 'clean
   * validation accuracy': the trials table shows it in brackets and says so, and the optimisation
   * history leaves it off the objective's axis. Default: none, it is on the objective's scale.
   */
  readonly prunedValue?: string | null;
  /** The chosen trial when it is not the best value's (the paper's configuration kept): the optimisation history names it. */
  readonly chosenTrial?: { readonly number: number; readonly value: number; readonly standardError: number } | null;
  readonly importances?: Readonly<Record<string, number>>;
  readonly ablation?: readonly AblationEntry[];
  /** The final model's robust fusion (absent for the paper's concatenation). */
  readonly fusion?: FusionInput;
  /** The robust-fusion benchmark table. */
  readonly robustness?: RobustnessInput;
  /** Figures already written elsewhere (e.g. data figures), embedded as they are. */
  readonly extraImages?: ReadonlyArray<{ title: string; path: string }>;
}

/** Agreement of K-means clusters with the true digits. */
export interface ClusterAgreement {
  readonly ari: number;
  readonly nmi: number;
}

export type EmbeddingKind = 'fused' | 'image' | 'audio';

/** What {@link writeReport} produced. */
export interface ReportResult {
  /** Absolute or outDir-joined paths of every file written, report.html last. */
  readonly files: string[];
  readonly clustering: Partial<Record<EmbeddingKind, ClusterAgreement>>;
  readonly seconds: number;
}
