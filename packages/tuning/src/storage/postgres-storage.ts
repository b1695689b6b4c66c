import { randomUUID } from 'node:crypto';
import { formatDuration } from '@digitfuse/core';
import pg from 'pg';
import type { Distribution, ParamValue } from '../distributions';
import { NoStudyTablesError, StorageError, StorageUnavailableError, StudyDeletedError } from '../errors';
import { consoleLogger, type TuningLogger } from '../logger';
import type { Direction, FrozenTrial, TrialState, UserAttrValue, WorkerInfo } from '../trial-state';
import { decodeNumber, encodeNumber } from './journal-ops';
import { CREATE_SCHEMA, SCHEMA_VERSION } from './postgres-schema';
import { postgresUrlProblem, redactUrl } from './postgres-url';
import { checkStudyArgs, isStale, splitValues, staleFailures, type ArtifactStore, type FinishTrialArgs, type StalePolicy, type StartTrialArgs, type Storage, type TrialLimit } from './storage';

export interface PostgresStorageArgs {
  /** Receives warnings (a transient error being retried). Default: `consoleLogger`. */
  readonly logger?: TuningLogger;
  /**
   * A server out of reach (a refused, silent or dropped connection, a restart) is retried for this
   * long, counted from the first failure of the outage (every call waits for the same end), then each
   * call fails with a `StorageUnavailableError` (later calls try once) until one gets through; a
   * serialization failure or deadlock is retried for this long per call. Default: 120000 ms.
   */
  readonly retryForMs?: number;
  /**
   * Whether an outage that lasts is said through `logger`: as calls begin to retry it, and when the
   * server answers again. Off for a caller that says so itself (a dashboard's source, whose next poll
   * tries again anyway). Default: true.
   */
  readonly reportOutages?: boolean;
  /** A new connection that is not set up within this long (a port that takes TCP but does not answer) fails. Default: 10000 ms. */
  readonly connectTimeoutMs?: number;
  /**
   * A query without an answer for this long counts as a dropped connection (retried on a new one);
   * one storing or reading a file (`putArtifact`, `getArtifact`) gets a further second per 100 kB.
   * Default: 60000 ms.
   */
  readonly queryTimeoutMs?: number;
  /**
   * A transaction holding a study's lock whose client goes quiet mid-transaction (a network that
   * drops packets) is ended by the server after this long, so the lock does not stall every other
   * worker until the server notices the dead connection (hours, with the kernel's keepalive); the
   * client retries. Set per transaction (`SET LOCAL`), so connection poolers are not affected.
   * Default: 30000 ms.
   */
  readonly lockIdleTimeoutMs?: number;
  /** Connections of this process's pool (shared by every storage on the same URL). Default: 4. */
  readonly poolSize?: number;
  /**
   * Only read (a dashboard): a database without the schema is refused instead of given one, and the
   * connections are opened read-only (`default_transaction_read_only`), so the server refuses any
   * write. Default: false.
   */
  readonly readOnly?: boolean;
  /**
   * What a storage that writes is for, so the rights its role is checked for as it connects
   * (`RIGHTS`): `'search'`, a study's trials and stored files; `'delete'`, deleting studies
   * (`deleteStudy`: reading them, and deleting their rows, which take their trials and files with
   * them). A `readOnly` storage is checked for reading alone, whatever this says. Default: `'search'`.
   */
  readonly purpose?: StoragePurpose;
}

/** What a storage that writes is for (`PostgresStorageArgs.purpose`). */
export type StoragePurpose = 'search' | 'delete';

/** Checks a PostgreSQL URL (see {@link postgresUrlProblem}); a StorageError otherwise. */
function checkUrl(url: string): void {
  const problem = postgresUrlProblem(url, 'the storage URL');
  if (problem !== undefined) throw new StorageError(problem.message);
}

/** Errors of a connection that failed or broke: the server is out of reach, for now. */
const CONNECTION_CODES = new Set([
  'ECONNRESET', 'ECONNREFUSED', 'EPIPE', 'ETIMEDOUT', 'ENOTCONN', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006',
]);

/** Errors a retry of the same transaction gets past: a serialization failure, a deadlock, too many connections. */
const CONFLICT_CODES = new Set(['40001', '40P01', '53300']);

const CONNECTION_MESSAGE =
  /Connection terminated|terminating connection|connection error|timeout exceeded when trying to connect|Query read timeout|the database system is (starting up|shutting down)/i;

/** Whether an error says the server is out of reach: a refused, dropped or silent connection, a restarting server. */
export function isConnectionError(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  if (code !== undefined && CONNECTION_CODES.has(code)) return true;
  return CONNECTION_MESSAGE.test((e as Error)?.message ?? '');
}

/** Whether an error may go away by itself: a dropped connection, a restarting server, a serialization failure. */
export function isTransient(e: unknown): boolean {
  const code = (e as { code?: string }).code;
  return isConnectionError(e) || (code !== undefined && CONFLICT_CODES.has(code));
}

/** The server a URL names, `host:port` (5432 when it names no port), for messages. */
export function serverOf(url: string): string {
  try {
    const u = new URL(url);
    return `${u.hostname}:${u.port || '5432'}`;
  } catch {
    return 'the server';
  }
}

/** The URL's user and database (without them in the URL: PGUSER or the login name, and a database named as the user, as the driver takes them). */
function urlParts(url: string): { readonly user: string; readonly database: string } {
  try {
    const u = new URL(url);
    const user = decodeURIComponent(u.username) || process.env.PGUSER || process.env.USER || 'the role';
    return { user, database: decodeURIComponent(u.pathname.replace(/^\//, '')) || user };
  } catch {
    return { user: 'the role', database: 'the database' };
  }
}

/** Node's codes for a server certificate that no authority this machine trusts has signed. */
const UNTRUSTED_CERT = new Set(['SELF_SIGNED_CERT_IN_CHAIN', 'DEPTH_ZERO_SELF_SIGNED_CERT', 'UNABLE_TO_VERIFY_LEAF_SIGNATURE', 'UNABLE_TO_GET_ISSUER_CERT_LOCALLY', 'UNABLE_TO_GET_ISSUER_CERT']);

/** What went wrong with SSL, when that is what went wrong: a certificate that does not check out, or a server without SSL. */
function tlsProblem(err: { code?: string; message?: string }, url: string, server: string): { readonly what: string; readonly hint: string } | undefined {
  const mode = sslParams(url).get('sslmode') ?? 'verify-full';
  if (/does not support SSL/i.test(err.message ?? '')) {
    return { what: `${server} does not take SSL connections, and the URL asks for them (sslmode=${mode})`, hint: "drop sslmode from the URL, or turn ssl on in the server's postgresql.conf" };
  }
  if (err.code !== undefined && UNTRUSTED_CERT.has(err.code)) {
    return {
      what: `${server}'s certificate is not signed by an authority this machine trusts (${err.code})`,
      hint: 'name the authority with sslrootcert=FILE in the URL (its certificate, PEM), or use sslmode=require to encrypt without checking who the server is',
    };
  }
  if (err.code === 'ERR_TLS_CERT_ALTNAME_INVALID') {
    return {
      what: `${server}'s certificate is for another host name (${err.message ?? ''})`,
      hint: 'connect by a name the certificate was issued for, or use sslmode=verify-ca (with sslrootcert) to check only who signed it',
    };
  }
  if (err.code === 'CERT_HAS_EXPIRED') return { what: `${server}'s certificate has expired`, hint: "renew the server's certificate" };
  return undefined;
}

/** Whether a URL's sslmode takes a server without SSL, connecting without it (libpq's `prefer` and `allow`). */
const sslOptional = (url: string): boolean => ['prefer', 'allow'].includes(sslParams(url).get('sslmode') ?? '');

/** A URL with `sslmode=disable`. */
function withoutSsl(url: string): string {
  const u = new URL(url);
  u.searchParams.set('sslmode', 'disable');
  return u.toString();
}

/** The URL's query parameters (sslmode, sslrootcert, ...); empty when it is no URL. */
function sslParams(url: string): URLSearchParams {
  try {
    return new URL(url).searchParams;
  } catch {
    return new URLSearchParams();
  }
}


/**
 * The URL the driver gets: `sslmode` means what it means to psql and libpq (`require`: encrypted,
 * the server's certificate not checked unless `sslrootcert` names an authority; `verify-ca`: signed by
 * that authority; `verify-full`: and issued for the host), where the driver would otherwise take
 * every mode as `verify-full` and print a warning; `allow` is taken as `prefer`, and the driver's
 * own `no-verify` as `require`.
 */
function driverUrl(url: string): string {
  const u = new URL(url);
  const mode = u.searchParams.get('sslmode');
  if (mode === null || u.searchParams.has('uselibpqcompat')) return url;
  if (mode === 'allow') u.searchParams.set('sslmode', 'prefer');
  // Not a libpq mode: the driver's name for `require` without an authority to check against.
  if (mode === 'no-verify') u.searchParams.set('sslmode', 'require');
  u.searchParams.set('uselibpqcompat', 'true');
  return u.toString();
}

/** The URL's server and what went wrong with it, with a hint when there is one to give. */
function whatHappened(e: unknown, url: string, timeouts: Timeouts, readOnly = false): { readonly what: string; readonly hint?: string } {
  const err = e as { code?: string; message?: string };
  const message = err.message ?? String(e);
  const server = serverOf(url);
  if (err.code === 'ECONNREFUSED') return { what: `connection refused by ${server}`, hint: 'is the server running, and listening on that host and port?' };
  if (err.code === 'ENOTFOUND' || err.code === 'EAI_AGAIN') return { what: `unknown host ${server.replace(/:\d+$/, '')}` };
  if (err.code === 'ETIMEDOUT' || err.code === 'EHOSTUNREACH' || err.code === 'ENETUNREACH') {
    return { what: `${server} cannot be reached (${err.code})`, hint: 'is the host up, and the network or a firewall letting the port through?' };
  }
  if (/timeout exceeded when trying to connect|connection timeout/i.test(message)) {
    return {
      what: `${server} took the connection but did not answer within ${formatDuration(timeouts.connectMs / 1000)}`,
      hint: "is that port a PostgreSQL server's, and the server not overloaded?",
    };
  }
  if (/Query read timeout/i.test(message)) return { what: `${server} did not answer a query within ${formatDuration(timeouts.queryMs / 1000)}` };
  if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || /^Connection terminated/i.test(message)) {
    return { what: `${server} closed the connection`, hint: "is that port a PostgreSQL server's? the server's log says why it hung up" };
  }
  if (/password must be a (non-empty )?string/i.test(message)) {
    return {
      what: `${server} asks for a password, and none was given`,
      hint: 'put it in the URL (user:PASSWORD@ before the host), or in PGPASSWORD or ~/.pgpass',
    };
  }
  const tls = tlsProblem(err, url, server);
  if (tls !== undefined) return tls;
  if (err.code === '28000' && /no encryption/i.test(message)) {
    // Said for the URL as it is: one with sslmode=disable has it replaced, one with other parameters gets `&`.
    const params = sslParams(url);
    const mode = params.get('sslmode');
    const change = mode !== null ? `replace sslmode=${mode} in the URL with sslmode=require` : `add ${params.size > 0 ? '&' : '?'}sslmode=require to the URL`;
    return { what: message, hint: `the server takes SSL connections only: ${change} (or sslmode=verify-full&sslrootcert=CA.pem to check its certificate)` };
  }
  if (err.code === '28P01' || err.code === '28000') return { what: message, hint: 'set the password in the URL, PGPASSWORD or ~/.pgpass' };
  if (err.code === '3D000') {
    // Only a search may begin in a new database; one that reads (a dashboard) has the wrong name.
    return { what: message, hint: readOnly ? "is the database's name right? it is the one the searches were given" : 'create it first: createdb' };
  }
  if (err.code === '42501') {
    // Insufficient privilege: the study's tables cannot be created, or were created by another role.
    const { user, database } = urlParts(url);
    return {
      what: `role ${user} may not do this in database ${database}: ${message}`,
      hint:
        `its owner can grant what the study needs: GRANT CREATE ON SCHEMA public TO ${user} (to create the study's tables, once), ` +
        `GRANT ALL ON ALL TABLES IN SCHEMA public TO ${user} and GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO ${user} (to use those another role created)`,
    };
  }
  return { what: message };
}

/** One line saying why a database cannot be used (`readOnly`: by a storage that only reads). */
function describe(e: unknown, url: string, timeouts: Timeouts, readOnly = false): string {
  const { what, hint } = whatHappened(e, url, timeouts, readOnly);
  return `PostgreSQL storage \`${redactUrl(url)}\`: ${what}${hint === undefined ? '' : ` (${hint})`}`;
}

/** How long a connection may take to be set up, and a query to be answered (ms). */
interface Timeouts {
  readonly connectMs: number;
  readonly queryMs: number;
}

interface PoolEntry {
  pool: pg.Pool;
  /** The pool's timeouts (those of the storage that created it). */
  readonly timeouts: Timeouts;
  refs: number;
  /**
   * Whether statements are prepared once per connection (named). Off once a transaction-pooling
   * proxy (PgBouncer, Supavisor) shows itself: it hands each transaction another server connection,
   * where a statement prepared on the first is missing, or one of the same name already exists.
   */
  named: boolean;
  /**
   * Read-only pools: whether the server enforces it (the connections' `default_transaction_read_only`,
   * a startup parameter a proxy may refuse); when not, the storage refuses writes itself.
   */
  serverReadOnly: boolean;
  /**
   * The URL the pool's connections are opened with: the storage's, or, with `sslmode=prefer` or
   * `allow` to a server without SSL, the same with `sslmode=disable` (libpq's fallback).
   */
  connectAs: string;
}

/**
 * The pools' client: one whose connection could not be set up closes its socket. The driver leaves
 * it open when the failure is its own (a server that asks for a password, and none was given), and
 * the server would keep it until its authentication_timeout (a minute), holding the process open.
 */
class ClosingClient extends pg.Client {
  override connect(): Promise<pg.Client>;
  override connect(callback: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): void;
  override connect(callback?: ((err: Error) => void) | ((err: null, c: pg.Client) => void)): Promise<pg.Client> | void {
    if (callback === undefined) {
      return new Promise((resolve, reject) => this.connect((err: Error | null) => (err ? reject(err) : resolve(this))));
    }
    const done = callback as (err: Error | null, c?: pg.Client) => void;
    super.connect((err: Error | null) => {
      if (err) (this as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
      done(err, err ? undefined : this);
    });
  }
}

/** One pool per process and URL, shared by the storages that use it. */
const pools = new Map<string, PoolEntry>();

const int8 = (oid: number, format?: string): unknown => (oid === 20 ? Number : pg.types.getTypeParser(oid, format as 'text'));

/**
 * How long an unused connection stays open. Longer than a heartbeat's interval (30 s by default), so
 * that a worker whose trials take minutes keeps one warm connection instead of opening a new one
 * (password exchange, a new server process, its caches and prepared statements) at every trial;
 * `allowExitOnIdle` still lets a process exit while it has some.
 */
const IDLE_MS = 60_000;

/** The key of a URL's pool: read-only connections are pooled apart from the others. */
const poolKey = (url: string, readOnly: boolean): string => (readOnly ? `read-only ${url}` : url);

/** A pool of connections to `url`; `readOnly`: each opened with `default_transaction_read_only` (a startup parameter). */
function newPool(url: string, size: number, readOnly: boolean, timeouts: Timeouts): pg.Pool {
  const pool = new pg.Pool({
    Client: ClosingClient,
    connectionString: driverUrl(url),
    max: size,
    types: { getTypeParser: int8 } as pg.CustomTypesConfig,
    connectionTimeoutMillis: timeouts.connectMs,
    // A connection whose server went silent (a network that drops packets) must not hang its query forever.
    query_timeout: timeouts.queryMs,
    keepAlive: true,
    idleTimeoutMillis: IDLE_MS,
    allowExitOnIdle: true,
    ...(readOnly ? { options: '-c default_transaction_read_only=on' } : {}),
  });
  // An idle connection dropped by a server restart must not crash the process; the next query reconnects.
  pool.on('error', () => undefined);
  // Nor may a connection in use: its query fails with the error, and the call retries.
  pool.on('connect', (client) => client.on('error', () => undefined));
  return pool;
}

function acquirePool(url: string, size: number, readOnly: boolean, timeouts: Timeouts): PoolEntry {
  const key = poolKey(url, readOnly);
  let entry = pools.get(key);
  if (entry === undefined) {
    entry = { pool: newPool(url, size, readOnly, timeouts), timeouts, refs: 0, named: true, serverReadOnly: readOnly, connectAs: url };
    pools.set(key, entry);
  }
  entry.refs++;
  return entry;
}

/** Errors of a statement prepared on one server connection and used on another (a transaction-pooling proxy). */
const isPoolerStatementError = (e: unknown): boolean => ['26000', '42P05'].includes((e as { code?: string }).code ?? '');

/** A proxy's refusal of the read-only startup parameter (PgBouncer: "unsupported startup parameter: options"). */
const isStartupParameterRefused = (e: unknown): boolean => /unsupported startup parameter/i.test((e as Error)?.message ?? '');

async function releasePool(key: string): Promise<void> {
  const entry = pools.get(key);
  if (entry === undefined) return;
  if (--entry.refs > 0) return;
  pools.delete(key);
  await entry.pool.end();
}

/** A row of `readChanged`: a trial (its columns NULL when nothing changed), the read's xmin, and whether the study is there. */
type ChangedRow = TrialRow & { xmin: string; alive: boolean };

interface TrialRow {
  number: number;
  state: TrialState;
  vals: unknown[] | null;
  constraints: unknown[] | null;
  params: [string, ParamValue, Distribution][];
  intermediate: [number, unknown][];
  user_attrs: [string, UserAttrValue][];
  fixed_params: Record<string, ParamValue> | null;
  retry_of: number | null;
  worker: WorkerInfo | null;
  datetime_start: number | null;
  datetime_complete: number | null;
  last_heartbeat: number | null;
  fail_reason: string | null;
}

const TRIAL_COLUMNS =
  'number, state, vals, constraints, params, intermediate, user_attrs, fixed_params, retry_of, worker, datetime_start, datetime_complete, last_heartbeat, fail_reason';
const columnsOf = (table: string): string => TRIAL_COLUMNS.split(', ').map((col) => `${table}.${col}`).join(', ');

/**
 * The rows of study `study` changed since a previous read's snapshot xmin (`since`), with this read's
 * own xmin and whether the study is still there (on every row; one row of NULLs when nothing
 * changed). One statement, so the xmin and the rows agree.
 */
const readChanged = (study: string, since: string): string => `WITH s AS (SELECT pg_snapshot_xmin(pg_current_snapshot())::text AS xmin,
                  EXISTS (SELECT 1 FROM digitfuse_studies WHERE id = ${study}) AS alive)
  SELECT s.xmin, s.alive, ${columnsOf('t')} FROM s LEFT JOIN digitfuse_trials t ON t.study_id = ${study} AND t.txid >= ${since}::xid8`;

/**
 * Starts a trial (postgres-schema.ts: digitfuse_start_trial) in a transaction of its own, and reads
 * the rows changed since the previous read: one round trip where `startTrial` + `getTrials` took two.
 * Statements in one simple-protocol message (values spliced in as literals; an explicit BEGIN, as a
 * COMMIT of the implicit transaction would draw a warning each time): the read gets its own
 * snapshot, taken after the start's commit, so it shows every trial numbered below the started one
 * (they were committed before the start got the study's lock); the lock is not held during the read.
 */
const START_AND_READ = `BEGIN; SELECT number FROM digitfuse_start_trial($1, $2::jsonb, $3, $4, $5, $6); COMMIT; ${readChanged('$1', '$7')}`;

/**
 * A statement prepared once per connection (its name): the server parses and plans it once, and
 * each call sends only its parameters.
 */
const prepared = (name: string, text: string): ((values: unknown[]) => pg.QueryConfig) => (values) => ({ name: `digitfuse_${name}`, text, values });
const Q = {
  readChanged: prepared('read_changed', readChanged('$1', '$2')),
  finish: prepared(
    'finish',
    `UPDATE digitfuse_trials SET state = $3, vals = $4::jsonb, constraints = $5::jsonb, fail_reason = $6, datetime_complete = $7,
            txid = pg_current_xact_id()
      WHERE study_id = $1 AND number = $2 AND state IN ('RUNNING', 'WAITING')`,
  ),
  heartbeat: prepared('heartbeat', `UPDATE digitfuse_trials SET last_heartbeat = $3, txid = pg_current_xact_id() WHERE study_id = $1 AND number = $2 AND state = 'RUNNING'`),
  state: prepared('state', 'SELECT state FROM digitfuse_trials WHERE study_id = $1 AND number = $2'),
  studyId: prepared('study_id', 'SELECT id FROM digitfuse_studies WHERE name = $1'),
};

const numbers = (raw: unknown[] | null): readonly number[] | undefined => (raw === null ? undefined : Object.freeze(raw.map((v) => decodeNumber(v) as number)));
const orUndefined = <T>(v: T | null): T | undefined => (v === null ? undefined : v);

function toFrozen(r: TrialRow): FrozenTrial {
  const values = numbers(r.vals);
  return Object.freeze({
    number: r.number,
    state: r.state,
    value: values?.length === 1 ? values[0] : undefined,
    values,
    constraints: numbers(r.constraints),
    params: Object.freeze(Object.fromEntries(r.params.map(([name, value]) => [name, value]))),
    distributions: Object.freeze(Object.fromEntries(r.params.map(([name, , d]) => [name, d]))),
    intermediateValues: new Map(r.intermediate.map(([step, v]) => [step, decodeNumber(v) as number])),
    fixedParams: r.fixed_params === null ? undefined : Object.freeze({ ...r.fixed_params }),
    retryOf: orUndefined(r.retry_of),
    worker: orUndefined(r.worker),
    datetimeStart: orUndefined(r.datetime_start),
    datetimeComplete: orUndefined(r.datetime_complete),
    lastHeartbeat: orUndefined(r.last_heartbeat),
    failReason: orUndefined(r.fail_reason),
    userAttrs: Object.freeze(Object.fromEntries(r.user_attrs)),
  });
}

/** The finish statement's parameters ($1-$7): study id, trial number, state, values, constraint values, reason, time. */
function finishParams(id: number, [, number, state, value, now, reason, constraints]: FinishTrialArgs): unknown[] {
  const { single, several } = splitValues(value);
  const vals = single !== undefined ? [single] : several;
  return [
    id,
    number,
    state,
    vals === undefined ? null : JSON.stringify(vals.map(encodeNumber)),
    constraints === undefined ? null : JSON.stringify(constraints.map(encodeNumber)),
    reason ?? null,
    now,
  ];
}

/**
 * Runs a multi-statement text (BEGIN ... COMMIT and a read) in one round trip and returns each
 * statement's result. A failure inside BEGIN leaves the connection in an aborted transaction: it is
 * ended before the error goes on, so the pool never reuses it in that state.
 */
async function multiStatement(c: pg.PoolClient, text: string): Promise<pg.QueryResult[]> {
  try {
    return (await c.query(text)) as unknown as pg.QueryResult[];
  } catch (e) {
    await c.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}

/** `template` with its $n replaced by `params` as literals (numbers, booleans, escaped strings), for a message of several statements. */
function spliced(c: pg.ClientBase, template: string, params: readonly unknown[]): string {
  const lit = (v: unknown): string => {
    if (v === null || v === undefined) return 'NULL';
    if (typeof v === 'number' && Number.isFinite(v)) return String(v);
    if (typeof v === 'boolean') return v ? 'true' : 'false';
    return c.escapeLiteral(String(v));
  };
  return template.replace(/\$(\d+)/g, (_, i: string) => lit(params[Number(i) - 1]));
}

/**
 * The slowest link a stored file (a trial's model: megabytes) is given time for: storing or reading
 * N bytes may take the query timeout plus N / this many seconds before it counts as a dropped
 * connection.
 */
const SLOWEST_LINK_BYTES_PER_S = 100_000;

/** A right a storage's role is checked for: an object, its kind (`has_<kind>_privilege`), its privileges. */
type Right = readonly [object: string, kind: 'table' | 'sequence' | 'function', privileges: readonly string[]];

/**
 * Per purpose (a read-only storage's: `read`), what a storage needs, what that is in words, and why
 * (for the line that names what its role lacks). Every purpose reads the schema's version. A sequence
 * is a table's serial `id`'s (nextval takes USAGE or UPDATE: `'USAGE, UPDATE'` holds with either). A
 * delete deletes the study's row only: its trials and files go with it by the tables' ON DELETE
 * CASCADE, which the server runs as their owner.
 */
const RIGHTS: Readonly<Record<StoragePurpose | 'read', { readonly rights: readonly Right[]; readonly to: string; readonly why: string }>> = {
  search: {
    rights: [
      ['digitfuse_schema', 'table', ['SELECT']],
      ['digitfuse_studies', 'table', ['SELECT', 'INSERT']],
      ['digitfuse_studies', 'sequence', ['USAGE, UPDATE']],
      ['digitfuse_trials', 'table', ['SELECT', 'INSERT', 'UPDATE']],
      ['digitfuse_artifacts', 'table', ['SELECT', 'INSERT', 'UPDATE']],
      ['digitfuse_start_trial(integer, jsonb, text, bigint, integer, boolean)', 'function', ['EXECUTE']],
    ],
    to: "write the study's tables",
    why: 'a search stores its trials there',
  },
  delete: {
    rights: [
      ['digitfuse_schema', 'table', ['SELECT']],
      ['digitfuse_studies', 'table', ['SELECT', 'DELETE']],
      ['digitfuse_trials', 'table', ['SELECT']],
      ['digitfuse_artifacts', 'table', ['SELECT']],
    ],
    to: 'delete studies',
    why: "a delete counts the study's trials and stored files, then deletes its row, which takes them with it",
  },
  read: {
    rights: [
      ['digitfuse_schema', 'table', ['SELECT']],
      ['digitfuse_studies', 'table', ['SELECT']],
      ['digitfuse_trials', 'table', ['SELECT']],
      ['digitfuse_artifacts', 'table', ['SELECT']],
    ],
    to: "read the study's tables",
    why: 'a dashboard or a list of the studies reads them there, and writes nothing',
  },
};

/** Advisory-lock namespace of this storage: (LOCK_SPACE, 0) guards the schema, (LOCK_SPACE, study id) a study's trial numbers. */
const LOCK_SPACE = 7301;

type Client = pg.PoolClient;

/**
 * Finishes a trial (the statement of `Q.finish`) and, only when that wrote (the row now carries this
 * transaction's id), starts the next trial (digitfuse_start_trial, its limit judged after the
 * finish), in one transaction; then reads the rows changed since the previous read, as
 * START_AND_READ does: one round trip where `finishTrial` + `startTrial` took two. The finish runs
 * before the study's lock is taken (as a finish alone does), so the lock is held no longer than by a
 * start alone; a failStaleTrials failing this very trial meanwhile (it holds the lock, then wants the
 * row) is a deadlock the server breaks, and the retry then finds the trial finished by it: nothing
 * written, nothing started. Results: BEGIN, finish (its row count), start (its number, no row when
 * nothing was started), COMMIT, read.
 */
const FINISH_START_AND_READ = `BEGIN;
  UPDATE digitfuse_trials SET state = $3, vals = $4::jsonb, constraints = $5::jsonb, fail_reason = $6, datetime_complete = $7, txid = pg_current_xact_id()
   WHERE study_id = $1 AND number = $2 AND state IN ('RUNNING', 'WAITING');
  SELECT (digitfuse_start_trial($1, $8::jsonb, $9, $10, $11, false)).number AS number FROM digitfuse_trials
   WHERE study_id = $1 AND number = $2 AND txid = pg_current_xact_id();
  COMMIT; ${readChanged('$1', '$12')}`;

/**
 * Studies in a PostgreSQL database (Optuna's RDBStorage): several processes on several machines share
 * one study. A versioned schema is created on first use. Trial numbers are allocated under a per-study
 * advisory lock and are unique by the table's key; a WAITING trial is claimed with `FOR UPDATE SKIP
 * LOCKED`, so exactly one worker gets it. Every operation is one transaction; transient errors (a
 * connection reset, a server restart, a serialization failure) are retried with backoff for
 * `retryForMs`, and creations carry a token, so a retry after a lost commit does not create twice.
 */
export class PostgresStorage implements Storage, ArtifactStore {
  /** The URL without its password. */
  readonly url: string;
  /** The process's pool for this URL (shared with the other storages on it) and what the server allows. */
  private readonly entry: PoolEntry;
  private readonly poolSize: number;
  private readonly timeouts: Timeouts;
  private readonly logger: TuningLogger;
  private readonly retryForMs: number;
  private readonly reportOutages: boolean;
  private readonly lockIdleTimeoutMs: number;
  /**
   * The outage under way: when its first connection failed, whether it was reported, and whether
   * calls gave up on it (then each later call tries once, until one gets through).
   */
  private outage: { readonly since: number; warned: boolean; gaveUp: boolean } | undefined;
  private readonly readOnly: boolean;
  private readonly purpose: StoragePurpose;
  private readonly studyIds = new Map<string, number>();
  /** Studies this handle knew that were deleted meanwhile (`digitfuse studies --delete`): said so, not `Unknown study`. */
  private readonly deleted = new Set<string>();
  /** Per study: the trials as last read, and that read's snapshot xmin. */
  private readonly copies = new Map<number, { readonly xmin: string; readonly trials: FrozenTrial[] }>();
  /**
   * The study as read by the `startTrial` that just answered, for the `getTrials` that follows it in
   * the same turn of the event loop (Study's ask does exactly that) — provided no other write of this
   * handle was under way when it was sent, nor has begun since (`writes`): then nothing this process
   * could have learnt is missing from it, and reading again would only cost a round trip.
   */
  private fresh: { readonly id: number; readonly trials: readonly FrozenTrial[]; readonly writes: number } | undefined;
  /** Writes begun and settled (`startTrial`, finishes, parameters, heartbeats, ...). */
  private writes = { begun: 0, settled: 0 };
  private ready: Promise<void> | undefined;
  private closed = false;
  private pending: { template: string; params: readonly unknown[]; resolve: (rows: number) => void; reject: (e: unknown) => void }[] = [];
  private flushing: Promise<void> | undefined;
  /** Milliseconds spent waiting for the database, summed over every call (for the benchmark). */
  busyMs = 0;

  constructor(
    private readonly connectionString: string,
    args: PostgresStorageArgs = {},
  ) {
    checkUrl(connectionString);
    this.url = redactUrl(connectionString);
    this.logger = args.logger ?? consoleLogger;
    this.retryForMs = args.retryForMs ?? 120_000;
    this.reportOutages = args.reportOutages ?? true;
    this.lockIdleTimeoutMs = Math.max(1, Math.round(args.lockIdleTimeoutMs ?? 30_000));
    this.readOnly = args.readOnly ?? false;
    this.purpose = args.purpose ?? 'search';
    this.poolSize = args.poolSize ?? 4;
    const entry = acquirePool(connectionString, this.poolSize, this.readOnly, {
      connectMs: args.connectTimeoutMs ?? 10_000,
      queryMs: args.queryTimeoutMs ?? 60_000,
    });
    this.entry = entry;
    this.timeouts = entry.timeouts;
  }

  /** Connects and creates (or checks) the schema (read-only: only checks it); every other method does this first. */
  connect(): Promise<void> {
    this.ready ??= this.init().catch((e: unknown) => {
      this.ready = undefined;
      throw e instanceof StorageError ? e : new StorageError(describe(e, this.connectionString, this.timeouts, this.readOnly));
    });
    return this.ready;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await releasePool(poolKey(this.connectionString, this.readOnly));
  }

  async createStudy(name: string, directions: Direction | readonly Direction[], loadIfExists: boolean): Promise<readonly Direction[]> {
    this.writable();
    const list = checkStudyArgs(name, directions);
    const existing = await this.run(async (c) => {
      const created = await c.query('INSERT INTO digitfuse_studies (name, directions, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING RETURNING id', [
        name,
        JSON.stringify(list),
        Date.now(),
      ]);
      if (created.rowCount === 1) return undefined;
      const found = await c.query<{ directions: Direction[] }>('SELECT directions FROM digitfuse_studies WHERE name = $1', [name]);
      return found.rows[0].directions;
    });
    if (existing === undefined) return Object.freeze([...list]);
    if (!loadIfExists) throw new StorageError(`Study \`${name}\` already exists; pass loadIfExists: true to resume it`);
    return Object.freeze(existing);
  }

  async getStudyDirections(name: string): Promise<readonly Direction[] | undefined> {
    const r = await this.run((c) => c.query<{ directions: Direction[] }>('SELECT directions FROM digitfuse_studies WHERE name = $1', [name]));
    return r.rows.length === 0 ? undefined : Object.freeze(r.rows[0].directions);
  }

  async getStudyNames(): Promise<string[]> {
    const r = await this.run((c) => c.query<{ name: string }>('SELECT name FROM digitfuse_studies ORDER BY id'));
    return r.rows.map((row) => row.name);
  }

  async getTrials(study: string): Promise<readonly FrozenTrial[]> {
    const id = await this.studyId(study);
    const fresh = this.fresh;
    this.fresh = undefined;
    if (fresh !== undefined && fresh.id === id && fresh.writes === this.writes.begun) return fresh.trials;
    // Only the rows changed since the previous read (see the txid column); the rest come from this
    // handle's copy.
    const known = this.copies.get(id) ?? { xmin: '0', trials: [] as FrozenTrial[] };
    const r = await this.run((c) => c.query<ChangedRow>(this.q(Q.readChanged([id, known.xmin]))));
    return this.absorb(id, known, r.rows);
  }

  async startTrial(study: string, worker: WorkerInfo, now: number, limit?: TrialLimit): Promise<FrozenTrial | undefined> {
    this.writable();
    const id = await this.studyId(study);
    const token = randomUUID();
    // One round trip for the start and the read after it (START_AND_READ); a retry finds what a lost
    // commit started.
    const { result: started, trials } = await this.writeAndRead(id, async (c, attempt, xmin) => {
      const r = await multiStatement(c, spliced(c, START_AND_READ, [id, JSON.stringify(worker), token, now, limit?.nFinished ?? null, attempt > 0, xmin]));
      return [(r[1].rows[0] as { number: number } | undefined)?.number, r[3].rows as ChangedRow[]];
    });
    return started === undefined ? undefined : trials[started];
  }

  async finishAndStartTrial(
    finish: FinishTrialArgs,
    start: StartTrialArgs,
  ): Promise<{ readonly finished: boolean; readonly started: FrozenTrial | undefined }> {
    this.writable();
    const [study, number] = finish;
    const id = await this.studyId(study);
    const token = randomUUID();
    const { result, trials } = await this.writeAndRead(id, async (c, attempt, xmin): Promise<[[boolean, number | undefined], ChangedRow[]]> => {
      if (attempt > 0) {
        // The previous attempt's commit may have been lost on its way back: then its trial is there.
        const again = await c.query<{ number: number }>('SELECT number FROM digitfuse_trials WHERE study_id = $1 AND token = $2', [id, token]);
        if (again.rows.length > 0) return [[true, again.rows[0].number], (await c.query<ChangedRow>(this.q(Q.readChanged([id, xmin])))).rows];
      }
      const values = [...finishParams(id, finish), JSON.stringify(start.worker), token, start.now, start.limit?.nFinished ?? null, xmin];
      const r = await multiStatement(c, spliced(c, FINISH_START_AND_READ, values));
      return [[r[1].rowCount === 1, (r[2].rows[0] as { number: number } | undefined)?.number], r[4].rows as ChangedRow[]];
    });
    const [finished, started] = result;
    if (!finished) await this.requireTrial(id, study, number);
    return { finished, started: started === undefined ? undefined : trials[started] };
  }

  async enqueueTrial(study: string, params: Record<string, ParamValue>, now: number, retryOf?: number): Promise<number> {
    this.writable();
    const id = await this.studyId(study);
    const token = randomUUID();
    return this.write(() => this.transaction(id, async (c, attempt) => {
      if (attempt > 0) {
        const again = await c.query<{ number: number }>('SELECT number FROM digitfuse_trials WHERE study_id = $1 AND token = $2', [id, token]);
        if (again.rows.length > 0) return again.rows[0].number;
      }
      return this.insertWaiting(c, id, params, retryOf, token);
    }));
  }

  async setParam(study: string, number: number, name: string, distribution: Distribution, value: ParamValue, now: number): Promise<void> {
    // Idempotent (a retried batch must not add it twice).
    await this.updateRunning(
      study,
      number,
      `params = CASE WHEN EXISTS (SELECT 1 FROM jsonb_array_elements(params) e WHERE e->>0 = $3) THEN params ELSE params || jsonb_build_array($4::jsonb) END,
       last_heartbeat = $5`,
      [name, JSON.stringify([name, value, distribution]), now],
    );
  }

  async reportIntermediate(study: string, number: number, step: number, value: number, now: number): Promise<void> {
    // The first value reported at a step wins, as in the journal.
    await this.updateRunning(
      study,
      number,
      `intermediate = CASE WHEN EXISTS (SELECT 1 FROM jsonb_array_elements(intermediate) e WHERE e->0 = to_jsonb($3::int))
                      THEN intermediate ELSE intermediate || jsonb_build_array($4::jsonb) END,
       last_heartbeat = $5`,
      [step, JSON.stringify([step, encodeNumber(value)]), now],
    );
  }

  async heartbeat(study: string, number: number, now: number): Promise<void> {
    this.writable();
    const id = await this.studyId(study);
    await this.write(() => this.run((c) => c.query(this.q(Q.heartbeat([id, number, now])))));
  }

  async setUserAttr(study: string, number: number, key: string, value: UserAttrValue, now: number): Promise<void> {
    // A later value of a key replaces the earlier one in its place.
    await this.updateRunning(
      study,
      number,
      `user_attrs = CASE WHEN EXISTS (SELECT 1 FROM jsonb_array_elements(user_attrs) e WHERE e->>0 = $3)
         THEN (SELECT jsonb_agg(CASE WHEN e->>0 = $3 THEN $4::jsonb ELSE e END ORDER BY i) FROM jsonb_array_elements(user_attrs) WITH ORDINALITY AS x(e, i))
         ELSE user_attrs || jsonb_build_array($4::jsonb) END,
       last_heartbeat = $5`,
      [key, JSON.stringify([key, value]), now],
    );
  }

  async finishTrial(...args: FinishTrialArgs): Promise<boolean> {
    this.writable();
    const [study, number] = args;
    const id = await this.studyId(study);
    const r = await this.write(() => this.run((c) => c.query(this.q(Q.finish(finishParams(id, args))))));
    if (r.rowCount === 1) return true;
    await this.requireTrial(id, study, number);
    return false;
  }

  async failStaleTrials(study: string, policy: StalePolicy): Promise<FrozenTrial[]> {
    this.writable();
    const id = await this.studyId(study);
    // Cheap check first, without the lock: most calls find nothing to do.
    const running = await this.run((c) =>
      c.query<{ number: number; worker: WorkerInfo | null; last_heartbeat: number | null; datetime_start: number | null }>(
        `SELECT number, worker, last_heartbeat, datetime_start FROM digitfuse_trials WHERE study_id = $1 AND state = 'RUNNING'`,
        [id],
      ),
    );
    const stale = running.rows.some((r) =>
      isStale({ state: 'RUNNING', worker: orUndefined(r.worker), lastHeartbeat: orUndefined(r.last_heartbeat), datetimeStart: orUndefined(r.datetime_start) } as FrozenTrial, policy),
    );
    if (!stale) return [];
    const failed = await this.write(() => this.transaction(id, async (c) => {
      const rows = await c.query<TrialRow>(`SELECT ${TRIAL_COLUMNS} FROM digitfuse_trials WHERE study_id = $1 ORDER BY number`, [id]);
      const out: number[] = [];
      for (const f of staleFailures(rows.rows.map(toFrozen), policy)) {
        const done = await c.query(
          `UPDATE digitfuse_trials SET state = 'FAIL', fail_reason = $3, datetime_complete = $4, txid = pg_current_xact_id() WHERE study_id = $1 AND number = $2 AND state = 'RUNNING'`,
          [id, f.number, f.reason, f.endedAt],
        );
        if (done.rowCount !== 1) continue;
        out.push(f.number);
        if (f.retryParams !== undefined) await this.insertWaiting(c, id, f.retryParams, f.number, null);
      }
      return out;
    }));
    if (failed.length === 0) return [];
    const trials = await this.getTrials(study);
    return failed.map((n) => trials[n]);
  }

  /**
   * Deletes a study with its trials and stored files (Optuna's `delete_study`), in one transaction
   * under the study's lock, and says what went. Refused while `busy` finds workers at it: given the
   * study's RUNNING trials, it names the live ones (a message part), or returns undefined to go on.
   * @throws StorageError for an unknown study, or the refusal
   */
  async deleteStudy(name: string, busy: (running: readonly FrozenTrial[]) => string | undefined = () => undefined): Promise<{ readonly trials: number; readonly files: number }> {
    this.writable();
    const id = await this.studyId(name);
    const gone = await this.write(() =>
      this.transaction(id, async (c) => {
        const rows = await c.query<TrialRow>(`SELECT ${TRIAL_COLUMNS} FROM digitfuse_trials WHERE study_id = $1 AND state = 'RUNNING' ORDER BY number`, [id]);
        const live = busy(rows.rows.map(toFrozen));
        if (live !== undefined) throw new StorageError(`Study \`${name}\` in ${this.url} is being searched: ${live}; stop those searches first (nothing was deleted)`);
        const files = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM digitfuse_artifacts WHERE study_id = $1', [id]);
        const trials = await c.query<{ n: number }>('SELECT count(*)::int AS n FROM digitfuse_trials WHERE study_id = $1', [id]);
        await c.query('DELETE FROM digitfuse_studies WHERE id = $1', [id]);
        return { trials: trials.rows[0].n, files: files.rows[0].n };
      }),
    );
    this.studyIds.delete(name);
    this.copies.delete(id);
    return gone;
  }

  async putArtifact(study: string, trial: number, path: string, data: Buffer, options: { readonly ifAbsent?: boolean } = {}): Promise<boolean> {
    this.writable();
    const id = await this.studyId(study);
    const r = await this.run((c) =>
      c.query(
        this.transfer(
          `INSERT INTO digitfuse_artifacts (study_id, trial, path, data) VALUES ($1, $2, $3, $4)
           ON CONFLICT (study_id, trial, path) DO ${options.ifAbsent ? 'NOTHING' : 'UPDATE SET data = EXCLUDED.data'}`,
          [id, trial, path, data],
          data.length,
        ),
      ),
    );
    return r.rowCount === 1;
  }

  async getArtifact(study: string, trial: number, path: string): Promise<Buffer | undefined> {
    const id = await this.studyId(study);
    const where = 'FROM digitfuse_artifacts WHERE study_id = $1 AND trial = $2 AND path = $3';
    const size = await this.run((c) => c.query<{ n: number }>(`SELECT octet_length(data) AS n ${where}`, [id, trial, path]));
    if (size.rows.length === 0) return undefined;
    const r = await this.run((c) => c.query<{ data: Buffer }>(this.transfer(`SELECT data ${where}`, [id, trial, path], size.rows[0].n)));
    return r.rows[0]?.data;
  }

  /** A query that moves a file of `bytes` (an artifact), given time for it on a slow link (`SLOWEST_LINK_BYTES_PER_S`). */
  private transfer(text: string, values: unknown[], bytes: number): pg.QueryConfig {
    return { text, values, query_timeout: this.timeouts.queryMs + Math.ceil((1000 * bytes) / SLOWEST_LINK_BYTES_PER_S) } as pg.QueryConfig;
  }

  async listArtifacts(study: string, trial: number): Promise<string[]> {
    const id = await this.studyId(study);
    const r = await this.run((c) => c.query<{ path: string }>('SELECT path FROM digitfuse_artifacts WHERE study_id = $1 AND trial = $2 ORDER BY path', [id, trial]));
    return r.rows.map((row) => row.path);
  }

  /**
   * Merges rows read since `known` (`readChanged`'s) into a copy of its trials; keeps the result as
   * the study's copy unless a newer read has answered meanwhile (xids only grow). Returns the trials.
   */
  /**
   * A write that brings back the rows of study `id` changed since this handle's copy (`xmin`): runs
   * `write` (retried as `run` does), absorbs the rows, and, when no other write of this handle was
   * under way, keeps them as this turn's read, so that a `getTrials` right after needs no round trip.
   */
  private async writeAndRead<T>(
    id: number,
    write: (c: pg.PoolClient, attempt: number, xmin: string) => Promise<[T, ChangedRow[]]>,
  ): Promise<{ readonly result: T; readonly trials: readonly FrozenTrial[] }> {
    this.fresh = undefined;
    const alone = this.writes.begun === this.writes.settled;
    const writes = ++this.writes.begun;
    const known = this.copies.get(id) ?? { xmin: '0', trials: [] as FrozenTrial[] };
    let result: T;
    let rows: ChangedRow[];
    try {
      [result, rows] = await this.run((c, attempt) => write(c, attempt, known.xmin));
    } finally {
      this.writes.settled++;
    }
    const trials = this.absorb(id, known, rows);
    if (alone) {
      const fresh = { id, trials, writes };
      this.fresh = fresh;
      // Only for a read in this turn of the event loop: after it, anything may have happened elsewhere.
      setImmediate(() => {
        if (this.fresh === fresh) this.fresh = undefined;
      });
    }
    return { result, trials };
  }

  private absorb(id: number, known: { readonly trials: readonly FrozenTrial[] }, rows: readonly ChangedRow[]): readonly FrozenTrial[] {
    // Deleted meanwhile (digitfuse studies --delete): its id must not be read again as if it were there.
    if (rows[0].alive === false) throw this.forgetDeleted(id);
    const trials = [...known.trials];
    for (const row of rows) if (row.number !== null) trials[row.number] = toFrozen(row);
    const xmin = rows[0].xmin;
    const latest = this.copies.get(id);
    if (latest === undefined || BigInt(xmin) >= BigInt(latest.xmin)) this.copies.set(id, { xmin, trials });
    return Object.freeze(trials);
  }

  /** Counts a write while it is under way (see `fresh`). */
  private async write<T>(fn: () => Promise<T>): Promise<T> {
    this.writes.begun++;
    try {
      return await fn();
    } finally {
      this.writes.settled++;
    }
  }

  /**
   * Runs `fn` with a connection (after connecting once), retrying with backoff: a server out of reach
   * until `retryForMs` after the outage's first failure (then a `StorageUnavailableError`; once
   * given up, a call tries once), a conflict (serialization failure, deadlock) for `retryForMs`.
   */
  private async run<T>(fn: (c: Client, attempt: number) => Promise<T>): Promise<T> {
    if (this.closed) throw new StorageError(`PostgreSQL storage \`${this.url}\` is closed`);
    await this.connect();
    const started = Date.now();
    for (let attempt = 0; ; attempt++) {
      let client: Client | undefined;
      try {
        client = await this.entry.pool.connect();
        const result = await fn(client, attempt);
        client.release();
        this.busyMs += Date.now() - started;
        this.reachable();
        return result;
      } catch (e) {
        if (isPoolerStatementError(e) && this.entry.named) {
          // A transaction-pooling proxy: statements go unnamed from now on, and this call again.
          this.entry.named = false;
          client?.release(e as Error);
          this.logger.warn(`PostgreSQL storage \`${this.url}\`: ${serverOf(this.connectionString)} is a proxy that pools transactions (PgBouncer, Supavisor): statements are no longer prepared once per connection (a little slower; nothing to do)`);
          continue;
        }
        // A broken connection is thrown away rather than returned to the pool.
        client?.release(isTransient(e) ? (e as Error) : undefined);
        const now = Date.now();
        const connection = isConnectionError(e);
        const end = connection ? this.unreachable(e, now) : started + this.retryForMs;
        if (!isTransient(e) || now >= end) {
          this.busyMs += now - started;
          if (e instanceof StorageError) throw e;
          if (connection) throw this.unavailable(e);
          // A row written for a study deleted since this handle read its id (digitfuse studies --delete).
          const constraint = (e as { code?: string; constraint?: string }).code === '23503' ? (e as { constraint?: string }).constraint : undefined;
          if (constraint !== undefined && /_study_id_fkey$/.test(constraint)) {
            const gone = await this.goneStudyIds([...this.studyIds.values()]);
            if (gone.length > 0) throw this.forgetDeleted(gone[0]);
          }
          throw (e as { code?: string }).code !== undefined || isTransient(e) ? new StorageError(describe(e, this.connectionString, this.timeouts)) : e;
        }
        if (attempt === 2 && !connection) this.logger.warn(`${describe(e, this.connectionString, this.timeouts)}; retrying`);
        const wait = Math.min(2000, 50 * 2 ** attempt) * (0.5 + Math.random());
        await new Promise((r) => setTimeout(r, Math.max(1, Math.min(wait, end - now))));
      }
    }
  }

  /**
   * Records a connection failure in the outage under way (one begins with it); returns when calls
   * stop retrying it (now, once they gave up). Says once per outage that it retries.
   */
  private unreachable(e: unknown, now: number): number {
    const outage = (this.outage ??= { since: now, warned: false, gaveUp: false });
    const end = outage.gaveUp ? now : outage.since + this.retryForMs;
    // A restart's dropped connections are retried in a moment: only an outage that lasts is reported.
    if (this.reportOutages && !outage.warned && !outage.gaveUp && now - outage.since >= Math.min(1000, this.retryForMs / 2)) {
      outage.warned = true;
      this.logger.warn(`${describe(e, this.connectionString, this.timeouts)}; retrying for up to ${formatDuration(this.retryForMs / 1000)}`);
    }
    if (now >= end) outage.gaveUp = true;
    return end;
  }

  /** A call got through: an outage under way is over (and said so, when it was reported). */
  private reachable(): void {
    const outage = this.outage;
    if (outage === undefined) return;
    this.outage = undefined;
    if (outage.warned) this.logger.warn(`PostgreSQL storage \`${this.url}\`: ${serverOf(this.connectionString)} answers again, after ${formatDuration((Date.now() - outage.since) / 1000)}`);
  }

  /** The error of a call that gave up on an outage: the server, what happened, how long it was retried. */
  private unavailable(e: unknown): StorageUnavailableError {
    const server = serverOf(this.connectionString);
    const { what } = whatHappened(e, this.connectionString, this.timeouts);
    return new StorageUnavailableError(
      `PostgreSQL storage \`${this.url}\`: ${server} out of reach, retried for ${formatDuration(this.retryForMs / 1000)} (${what}); what was written before is kept there`,
      server,
      this.retryForMs,
    );
  }

  /**
   * Runs `fn` in a transaction holding the study's advisory lock (trial numbers are allocated under
   * it). The server ends the transaction when its client stays quiet in it for `lockIdleTimeoutMs`.
   */
  private transaction<T>(studyId: number, fn: (c: Client, attempt: number) => Promise<T>): Promise<T> {
    return this.run(async (c, attempt) => {
      await c.query(this.beginLocked(Number(studyId)));
      try {
        const result = await fn(c, attempt);
        await c.query('COMMIT');
        return result;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        throw e;
      }
    });
  }

  private async insertWaiting(c: Client, id: number, params: Record<string, ParamValue>, retryOf: number | undefined, token: string | null): Promise<number> {
    const r = await c.query<{ number: number }>(
      `INSERT INTO digitfuse_trials (study_id, number, state, fixed_params, retry_of, token)
       VALUES ($1, (SELECT coalesce(max(number) + 1, 0) FROM digitfuse_trials WHERE study_id = $1), 'WAITING', $2, $3, $4) RETURNING number`,
      [id, JSON.stringify(params), retryOf ?? null, token],
    );
    return r.rows[0].number;
  }

  private async updateRunning(study: string, number: number, set: string, params: unknown[]): Promise<void> {
    this.writable();
    const id = await this.studyId(study);
    const rows = await this.write(() => this.batched(`UPDATE digitfuse_trials SET ${set}, txid = pg_current_xact_id() WHERE study_id = $1 AND number = $2 AND state = 'RUNNING'`, [id, number, ...params]));
    if (rows === 1) return;
    const state = await this.requireTrial(id, study, number);
    throw new StorageError(`Trial ${number} of study \`${study}\` is ${state}, not RUNNING`);
  }

  /**
   * Runs an UPDATE with the others made in the same tick: one round trip (one implicit transaction)
   * for a trial's suggestions, reports and attributes. Values are spliced in as literals (numbers,
   * escaped strings). Batches go one after the other, in call order. Resolves with the row count.
   */
  private batched(template: string, params: readonly unknown[]): Promise<number> {
    return new Promise((resolve, reject) => {
      this.pending.push({ template, params, resolve, reject });
      if (this.pending.length === 1 && this.flushing === undefined) setImmediate(() => void this.flush());
    });
  }

  private async flush(): Promise<void> {
    const items = this.pending.splice(0);
    if (items.length === 0) return;
    this.flushing = this.run(async (c) => {
      const text = items.map((it) => spliced(c, it.template, it.params)).join(';\n');
      const r = (await c.query(text)) as unknown as pg.QueryResult | pg.QueryResult[];
      return (Array.isArray(r) ? r : [r]).map((x) => x.rowCount ?? 0);
    }).then(
      (counts) => items.forEach((it, i) => it.resolve(counts[i] ?? 0)),
      (e: unknown) => items.forEach((it) => it.reject(e)),
    );
    await this.flushing;
    this.flushing = undefined;
    if (this.pending.length > 0) void this.flush();
  }

  private async requireTrial(id: number, study: string, number: number): Promise<TrialState> {
    const r = await this.run((c) => c.query<{ state: TrialState }>(this.q(Q.state([id, number]))));
    if (r.rows.length === 0) {
      // No trial, because no study: deleted since this handle read its id.
      if ((await this.goneStudyIds([id])).length > 0) throw this.forgetDeleted(id);
      throw new StorageError(`Study \`${study}\` has no trial ${number}`);
    }
    return r.rows[0].state;
  }

  /** Of `ids`, those no longer in the database. */
  private async goneStudyIds(ids: readonly number[]): Promise<number[]> {
    const r = await this.run((c) => c.query<{ id: number }>('SELECT id FROM digitfuse_studies WHERE id = ANY($1::int[])', [ids]));
    const there = new Set(r.rows.map((row) => row.id));
    return ids.filter((id) => !there.has(id));
  }

  /** Forgets study `id`, which was deleted meanwhile, and returns the error that says so. */
  private forgetDeleted(id: number): StudyDeletedError {
    const name = [...this.studyIds].find(([, known]) => known === id)?.[0];
    if (name !== undefined) {
      this.studyIds.delete(name);
      this.deleted.add(name);
    }
    this.copies.delete(id);
    return new StudyDeletedError(`Study \`${name ?? id}\` is no longer in ${this.url}: it was deleted`);
  }

  private async studyId(study: string): Promise<number> {
    const known = this.studyIds.get(study);
    if (known !== undefined) return known;
    const r = await this.run((c) => c.query<{ id: number }>(this.q(Q.studyId([study]))));
    if (r.rows.length === 0) {
      throw this.deleted.has(study) ? new StudyDeletedError(`Study \`${study}\` is no longer in ${this.url}: it was deleted`) : new StorageError(`Unknown study \`${study}\``);
    }
    this.deleted.delete(study);
    this.studyIds.set(study, r.rows[0].id);
    return r.rows[0].id;
  }

  /**
   * The first connection. With `sslmode=prefer` or `allow`, a server without SSL is connected to
   * without it, as libpq does (the driver would take either as `require`). A read-only storage behind
   * a proxy that refuses the read-only startup parameter (PgBouncer) gets a pool without it, and
   * refuses writes itself (`writable`).
   */
  private async firstConnection(): Promise<Client> {
    const tried = this.entry.connectAs;
    try {
      return await this.entry.pool.connect();
    } catch (e) {
      if (sslOptional(tried) && /does not support SSL/i.test((e as Error)?.message ?? '')) {
        // Another storage on this pool may have swapped it already.
        if (this.entry.connectAs === tried) this.swapPool(withoutSsl(tried), this.entry.serverReadOnly);
        return this.firstConnection();
      }
      if (!this.readOnly || !this.entry.serverReadOnly || !isStartupParameterRefused(e)) throw e;
      this.swapPool(this.entry.connectAs, false);
      return this.entry.pool.connect();
    }
  }

  /** Replaces the pool of this storage's URL by one on `connectAs`, read-only at the server or not. */
  private swapPool(connectAs: string, serverReadOnly: boolean): void {
    const replaced = this.entry.pool;
    this.entry.pool = newPool(connectAs, this.poolSize, serverReadOnly, this.timeouts);
    this.entry.connectAs = connectAs;
    this.entry.serverReadOnly = serverReadOnly;
    void replaced.end();
  }

  /**
   * Creates the schema in one transaction holding the schema's lock (a transaction's lock: a proxy
   * may give each statement outside a transaction another server connection, so a session's lock
   * could be taken on one and never released). A transaction that began before another process's
   * creation committed may not see the new tables and fail on them (a duplicate table, type or
   * key): it looks again in a new one.
   */
  private async createSchema(c: Client): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        await c.query(this.beginLocked(0));
        const again = await c.query<{ t: string | null }>(`SELECT to_regclass('digitfuse_schema')::text AS t`);
        if (again.rows[0].t === null) for (const sql of CREATE_SCHEMA) await c.query(sql);
        await c.query('COMMIT');
        return;
      } catch (e) {
        await c.query('ROLLBACK').catch(() => undefined);
        if (attempt >= 3 || !['42P07', '42710', '23505'].includes((e as { code?: string }).code ?? '')) throw e;
      }
    }
  }

  /**
   * Begins a transaction holding lock `key` of this storage's namespace (0: the schema, a study's id:
   * its trial numbers), which the server ends when its client stays quiet in it for `lockIdleTimeoutMs`.
   */
  private beginLocked(key: number): string {
    return `BEGIN; SET LOCAL idle_in_transaction_session_timeout = ${this.lockIdleTimeoutMs}; SELECT pg_advisory_xact_lock(${LOCK_SPACE}, ${key})`;
  }

  /** Refuses a write of a read-only storage whose server does not enforce it (behind a proxy). */
  private writable(): void {
    if (this.readOnly && !this.entry.serverReadOnly) throw new StorageError(`PostgreSQL storage \`${this.url}\` was opened read-only: it writes nothing`);
  }

  /** `config` as this pool sends it: without its statement name behind a transaction-pooling proxy (`PoolEntry.named`). */
  private q(config: pg.QueryConfig): pg.QueryConfig {
    return this.entry.named ? config : { text: config.text, values: config.values };
  }

  private async init(): Promise<void> {
    const c = await this.firstConnection();
    try {
      const have = await c.query<{ t: string | null }>(`SELECT to_regclass('digitfuse_schema')::text AS t`);
      if (have.rows[0].t === null && this.readOnly) {
        throw new NoStudyTablesError(`PostgreSQL storage \`${this.url}\`: expected digitfuse's tables, found none (no study was ever stored in this database)`);
      }
      if (have.rows[0].t === null) await this.createSchema(c);
      const v = await c.query<{ version: number }>('SELECT max(version) AS version FROM digitfuse_schema').catch(async (e: unknown) => {
        // No right to read it: the line that names every right the role lacks, rather than the first.
        if ((e as { code?: string }).code === '42501') await this.requireRights(c);
        throw e;
      });
      const version = v.rows[0]?.version ?? 0;
      if (version > SCHEMA_VERSION) {
        throw new StorageError(
          `PostgreSQL storage \`${this.url}\`: its schema is version ${version}, newer than this program's ${SCHEMA_VERSION}; upgrade digitfuse to use it`,
        );
      }
      await this.requireRights(c);
      c.release();
    } catch (e) {
      c.release(e as Error);
      throw e;
    }
  }

  /**
   * Refuses, in one line, a role without the rights of this storage's purpose (`RIGHTS`; a read-only
   * storage's: `read`): found at connection, not at the first write (a run's search, after its data
   * stage's minutes), and naming only what it lacks.
   */
  private async requireRights(c: Client): Promise<void> {
    const { rights, to, why } = RIGHTS[this.readOnly ? 'read' : this.purpose];
    const checks = rights.flatMap(([object, kind, privileges]) => privileges.map((privilege) => ({ object, kind, privilege })));
    // A table's serial sequence as the server names it (quoted, and qualified when off the search
    // path: as a GRANT takes it); not necessarily `<table>_id_seq` (renamed, or the table made by hand).
    const sequence = (object: string): string => `pg_get_serial_sequence('${object}', 'id')`;
    const expr = ({ object, kind, privilege }: (typeof checks)[number]): string =>
      kind === 'sequence' ? `has_sequence_privilege(${sequence(object)}, '${privilege}')` : `has_${kind}_privilege('${object}', '${privilege}')`;
    const nameOf = ({ object, kind }: (typeof checks)[number]): string => (kind === 'sequence' ? `${sequence(object)}::regclass::text` : 'NULL');
    const r = await c.query<{ role: string; quoted: string; database: string; held: (boolean | null)[]; names: (string | null)[] }>(
      `SELECT current_user AS role, quote_ident(current_user) AS quoted, current_database() AS database, ARRAY[${checks.map(expr).join(', ')}] AS held, ` +
        `ARRAY[${checks.map(nameOf).join(', ')}]::text[] AS names`,
    );
    const { role, quoted, database, held, names } = r.rows[0];
    const missing = new Map<string, string[]>();
    checks.forEach((check, i) => {
      // NULL: a table whose id has no sequence (made by hand), which a write then does not use.
      if (held[i] !== false) return;
      const name = check.kind === 'sequence' ? (names[i] as string) : check.kind === 'function' ? check.object.replace(/\(.*/, '') : check.object;
      const key = `${check.kind === 'table' ? '' : `${check.kind.toUpperCase()} `}${name}`;
      missing.set(key, [...(missing.get(key) ?? []), check.privilege.split(',')[0]]);
    });
    if (missing.size === 0) return;
    const lacks = [...missing].map(([on, privileges]) => `${privileges.join(', ')} on ${on}`).join('; ');
    const grants = [...missing].map(([on, privileges]) => `GRANT ${privileges.join(', ')} ON ${on} TO ${quoted}`).join('; ');
    throw new StorageError(
      `PostgreSQL storage \`${this.url}\`: expected role ${role} to be allowed to ${to} in database ${database}, found it lacks ${lacks} ` +
        `(${why}; the tables' owner can grant it: ${grants})`,
    );
  }
}

/** Factory for `PostgresStorage`. */
export function postgresStorage(url: string, args: PostgresStorageArgs = {}): PostgresStorage {
  return new PostgresStorage(url, args);
}
