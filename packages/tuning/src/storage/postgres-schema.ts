/**
 * The PostgreSQL schema of a study storage. Its version is kept in `digitfuse_schema`; a database
 * whose version is newer than `SCHEMA_VERSION` is refused (an older program must not write to it).
 */
export const SCHEMA_VERSION = 1;

/** Statements that create version 1 (run once, in one transaction, under an advisory lock). */
export const CREATE_SCHEMA: readonly string[] = [
  `CREATE TABLE digitfuse_schema (version integer NOT NULL)`,
  `CREATE TABLE digitfuse_studies (
     id serial PRIMARY KEY,
     name text NOT NULL UNIQUE,
     directions jsonb NOT NULL,
     attrs jsonb NOT NULL DEFAULT '{}',
     created_at bigint NOT NULL
   )`,
  // One row per trial; (study, number) is the key, so a trial number exists once per study.
  // params, intermediate and user_attrs are arrays of pairs, to keep their order.
  `CREATE TABLE digitfuse_trials (
     study_id integer NOT NULL REFERENCES digitfuse_studies(id) ON DELETE CASCADE,
     number integer NOT NULL CHECK (number >= 0),
     state text NOT NULL CHECK (state IN ('WAITING', 'RUNNING', 'COMPLETE', 'PRUNED', 'FAIL')),
     vals jsonb,
     constraints jsonb,
     params jsonb NOT NULL DEFAULT '[]',
     intermediate jsonb NOT NULL DEFAULT '[]',
     user_attrs jsonb NOT NULL DEFAULT '[]',
     fixed_params jsonb,
     retry_of integer,
     worker jsonb,
     token text,
     datetime_start bigint,
     datetime_complete bigint,
     last_heartbeat bigint,
     fail_reason text,
     -- The transaction that last changed the row: a reader fetches only rows changed by transactions
     -- that had not finished at its previous read (txid >= that snapshot's xmin).
     txid xid8 NOT NULL DEFAULT pg_current_xact_id(),
     PRIMARY KEY (study_id, number)
   )`,
  `CREATE INDEX digitfuse_trials_state ON digitfuse_trials (study_id, state)`,
  `CREATE INDEX digitfuse_trials_txid ON digitfuse_trials (study_id, txid)`,
  `CREATE INDEX digitfuse_trials_token ON digitfuse_trials (study_id, token) WHERE token IS NOT NULL`,
  // Files of a trial (or of the study, trial -1) that later stages read: Optuna's artifact store.
  `CREATE TABLE digitfuse_artifacts (
     study_id integer NOT NULL REFERENCES digitfuse_studies(id) ON DELETE CASCADE,
     trial integer NOT NULL,
     path text NOT NULL,
     data bytea NOT NULL,
     PRIMARY KEY (study_id, trial, path)
   )`,
  // Starts a trial in one round trip: under the study's advisory lock, the trial this token already
  // started (a retry after a lost commit), or nothing when the limit is reached, or the oldest WAITING
  // trial (FOR UPDATE SKIP LOCKED: one worker gets it), or a new trial numbered max + 1.
  `CREATE FUNCTION digitfuse_start_trial(p_study integer, p_worker jsonb, p_token text, p_now bigint, p_limit integer, p_retry boolean)
   RETURNS SETOF digitfuse_trials LANGUAGE plpgsql AS $$
   DECLARE
     v_busy integer;
     v_next integer;
     v_waiting integer;
   BEGIN
     PERFORM pg_advisory_xact_lock(7301, p_study);
     IF p_retry THEN
       RETURN QUERY SELECT * FROM digitfuse_trials WHERE study_id = p_study AND token = p_token;
       IF FOUND THEN RETURN; END IF;
     END IF;
     SELECT count(*) FILTER (WHERE state IN ('COMPLETE', 'PRUNED', 'RUNNING')), coalesce(max(number) + 1, 0)
       INTO v_busy, v_next FROM digitfuse_trials WHERE study_id = p_study;
     IF p_limit IS NOT NULL AND v_busy >= p_limit THEN RETURN; END IF;
     SELECT number INTO v_waiting FROM digitfuse_trials WHERE study_id = p_study AND state = 'WAITING'
       ORDER BY number LIMIT 1 FOR UPDATE SKIP LOCKED;
     IF v_waiting IS NOT NULL THEN
       RETURN QUERY UPDATE digitfuse_trials SET state = 'RUNNING', worker = p_worker, token = p_token, datetime_start = p_now, last_heartbeat = p_now,
         txid = pg_current_xact_id() WHERE study_id = p_study AND number = v_waiting RETURNING *;
     ELSE
       RETURN QUERY INSERT INTO digitfuse_trials (study_id, number, state, worker, token, datetime_start, last_heartbeat)
         VALUES (p_study, v_next, 'RUNNING', p_worker, p_token, p_now, p_now) RETURNING *;
     END IF;
   END $$`,
  `INSERT INTO digitfuse_schema (version) VALUES (1)`,
];
