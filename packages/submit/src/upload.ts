import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join, resolve } from 'node:path';
import { SubmissionError } from './errors';
import { validateSubmission, type SubmissionSummary } from './validate-submission';

/** Options for {@link planUpload} and {@link upload}. */
export interface UploadArgs {
  /** Competition slug as in its Kaggle URL. Required. */
  readonly competition: string;
  /** Submission message shown on the leaderboard page. Required. */
  readonly message: string;
  /** The submission file. Required. */
  readonly file: string;
  /** Test rows the competition expects: the file is validated against them before anything is uploaded. Required by `upload`. */
  readonly testRows?: number;
  /** Environment to look in for PATH and credentials. Default: `process.env`. */
  readonly env?: NodeJS.ProcessEnv;
  /** Home directory for `~/.kaggle/kaggle.json`. Default: `os.homedir()`. */
  readonly home?: string;
}

/** What an upload needs and what is missing. */
export interface UploadPlan {
  /** The exact command that submits the file. */
  readonly command: readonly string[];
  /** Absolute path of the `kaggle` executable, when found on PATH. */
  readonly kaggle: string | null;
  /** Where credentials were found (env or a kaggle.json path), when found. */
  readonly credentials: string | null;
  /** One line per missing piece; empty when the upload can run. */
  readonly missing: readonly string[];
}

function findOnPath(name: string, env: NodeJS.ProcessEnv): string | null {
  for (const dir of (env.PATH ?? '').split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not here
    }
  }
  return null;
}

/** A Kaggle competition slug as in its URL (never something the CLI could take for an option). */
const COMPETITION_SLUG = /^[A-Za-z0-9][A-Za-z0-9-]*$/;

/** Why `competition` is no Kaggle competition slug, in one line naming `--competition`; null when it is one. */
export function competitionProblem(competition: string): string | null {
  if (COMPETITION_SLUG.test(competition)) return null;
  return `Expected \`--competition\` to be a Kaggle competition slug (letters, digits and dashes, as in its URL), found \`${competition}\``;
}

export { shellQuote } from '@digitfuse/core';

/** Look for the official Kaggle CLI and its credentials without running anything. */
export function planUpload(args: UploadArgs): UploadPlan {
  const env = args.env ?? process.env;
  const home = args.home ?? homedir();
  // Values go as `--name=value` (and an absolute path) so the kaggle CLI's argparse can never read one as an option.
  const command = ['kaggle', 'competitions', 'submit', '-c', args.competition, `--file=${resolve(args.file)}`, `--message=${args.message}`];
  const missing: string[] = [];
  if (!existsSync(args.file)) missing.push(`the submission file \`${args.file}\` does not exist`);
  const kaggle = findOnPath('kaggle', env);
  if (!kaggle) missing.push('the `kaggle` command is not on PATH (install it with `pip install kaggle`)');
  const jsonPaths = [
    env.KAGGLE_CONFIG_DIR ? join(env.KAGGLE_CONFIG_DIR, 'kaggle.json') : null,
    join(home, '.kaggle', 'kaggle.json'),
    join(home, '.config', 'kaggle', 'kaggle.json'),
  ].filter((p): p is string => p !== null);
  let credentials: string | null = null;
  if (env.KAGGLE_USERNAME && env.KAGGLE_KEY) credentials = 'KAGGLE_USERNAME/KAGGLE_KEY';
  else credentials = jsonPaths.find((p) => existsSync(p)) ?? null;
  if (!credentials) {
    missing.push(
      `no Kaggle credentials: set KAGGLE_USERNAME and KAGGLE_KEY, or put an API token in ${jsonPaths.join(' or ')}`,
    );
  } else if (credentials !== 'KAGGLE_USERNAME/KAGGLE_KEY') {
    // The kaggle CLI would fail on it after the checks here all passed.
    const bad = tokenProblem(credentials);
    if (bad) missing.push(bad);
  }
  return { command, kaggle, credentials, missing };
}

/**
 * What is wrong with a kaggle.json (the API token the Kaggle site gives: `{"username": ..., "key": ...}`),
 * or null when it is one.
 */
function tokenProblem(path: string): string | null {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    return `\`${path}\` cannot be read (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`;
  }
  let token: unknown;
  try {
    token = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch {
    return `\`${path}\` is not a Kaggle API token: expected JSON with "username" and "key" (Account > API > Create New Token on kaggle.com), found text that is not JSON`;
  }
  const t = token as Record<string, unknown> | null;
  const absent = ['username', 'key'].filter((k) => typeof t?.[k] !== 'string' || (t[k] as string).trim() === '');
  if (typeof t !== 'object' || t === null || Array.isArray(t) || absent.length > 0) {
    return `\`${path}\` is not a Kaggle API token: expected JSON with "username" and "key" (Account > API > Create New Token on kaggle.com), found ${absent.length > 0 && typeof t === 'object' && t !== null && !Array.isArray(t) ? `no ${absent.map((k) => `"${k}"`).join(' and no ')}` : 'JSON of another shape'}`;
  }
  return null;
}

/** The result of {@link upload}. */
export interface UploadResult {
  readonly uploaded: boolean;
  readonly plan: UploadPlan;
  /** The CLI's exit status when it ran. */
  readonly status?: number | null;
  /** The signal that ended the CLI, when one did (its status is then null). */
  readonly signal?: NodeJS.Signals | null;
  /** Why the CLI could not be started, when it could not (its status is then null). */
  readonly error?: Error;
}

/**
 * Submit with the official `kaggle competitions submit` CLI when it and credentials are present.
 * Never claims an upload it did not do: `uploaded` is true only when the CLI ran and exited 0.
 */
export function upload(args: UploadArgs): UploadResult & { readonly checked?: SubmissionSummary } {
  const badSlug = competitionProblem(args.competition);
  if (badSlug) throw new SubmissionError(badSlug, args.file);
  if (args.testRows === undefined) throw new RangeError('upload(): testRows is required, to validate the file before uploading it');
  // Refuse what is not a valid submission for this competition before anything leaves the machine.
  const checked = validateSubmission(args.file, args.testRows);
  const plan = planUpload(args);
  if (plan.missing.length > 0 || !plan.kaggle) return { uploaded: false, plan, checked };
  const result = spawnSync(plan.kaggle, plan.command.slice(1), { stdio: 'inherit', env: args.env ?? process.env });
  return { uploaded: result.status === 0, plan, status: result.status, signal: result.signal, error: result.error, checked };
}
