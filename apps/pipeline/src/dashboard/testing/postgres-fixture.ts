import { PostgresStorage, silentLogger } from '@digitfuse/tuning';
import { postgresTestable, startTestCluster, type TestCluster } from '@digitfuse/tuning/testing';

/** A spec file's PostgreSQL database (see `usePostgresDatabase`). */
export interface PostgresFixture {
  readonly cluster: () => TestCluster;
  /** The database's URL, with the password. */
  readonly url: () => string;
}

/**
 * For a spec file (call at its top level): before its tests, a throwaway cluster (or CI's) and a new
 * database named after `name`, which `fill` writes its studies into; after them, the cluster stopped.
 * Nothing happens where PostgreSQL cannot be tested (the specs skip, `postgresTestable`).
 */
export function usePostgresDatabase(name: string, fill?: (storage: PostgresStorage) => Promise<void>): PostgresFixture {
  let cluster: TestCluster | undefined;
  let url: string | undefined;
  beforeAll(async () => {
    if (!postgresTestable()) return;
    cluster = (await startTestCluster()) as TestCluster;
    url = await cluster.createDatabase(name);
    if (fill === undefined) return;
    const writer = new PostgresStorage(url, { logger: silentLogger });
    try {
      await fill(writer);
    } finally {
      await writer.close();
    }
  }, 120_000);
  afterAll(() => cluster?.stop());
  return { cluster: () => cluster as TestCluster, url: () => url as string };
}
