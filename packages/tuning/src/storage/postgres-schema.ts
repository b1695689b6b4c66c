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
     PRIMARY KEY (study_id, number)
   )`,
  `CREATE INDEX digitfuse_trials_state ON digitfuse_trials (study_id, state)`,
  `CREATE INDEX digitfuse_trials_token ON digitfuse_trials (study_id, token) WHERE token IS NOT NULL`,
  // Files of a trial (or of the study, trial -1) that later stages read: Optuna's artifact store.
  `CREATE TABLE digitfuse_artifacts (
     study_id integer NOT NULL REFERENCES digitfuse_studies(id) ON DELETE CASCADE,
     trial integer NOT NULL,
     path text NOT NULL,
     data bytea NOT NULL,
     PRIMARY KEY (study_id, trial, path)
   )`,
  `INSERT INTO digitfuse_schema (version) VALUES (1)`,
];
