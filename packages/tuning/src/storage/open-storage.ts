import type { TuningLogger } from '../logger';
import { JournalFileStorage } from './journal-file-storage';
import { PostgresStorage } from './postgres-storage';
import { isPostgresUrl } from './postgres-url';
import type { Storage } from './storage';

export interface OpenStorageArgs {
  /** Receives warnings. Default: `consoleLogger`. */
  readonly logger?: TuningLogger;
  /** A PostgreSQL server out of reach is retried for this long (`PostgresStorageArgs.retryForMs`). Default: 120000 ms. */
  readonly retryForMs?: number;
}

/**
 * The storage a command-line argument names: a `postgresql://user@host:port/db` URL opens a
 * PostgreSQL database (its schema is created or checked now, so a bad URL, a refused connection or
 * a wrong password fails here), anything else a journal file at that path.
 */
export async function openStorage(spec: string, args: OpenStorageArgs = {}): Promise<Storage> {
  if (!isPostgresUrl(spec)) return new JournalFileStorage(spec, { logger: args.logger });
  const storage = new PostgresStorage(spec, { logger: args.logger, retryForMs: args.retryForMs });
  try {
    await storage.connect();
  } catch (e) {
    await storage.close();
    throw e;
  }
  return storage;
}
