import type { Config } from '../../config/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { migrate, openStore } from '../../store/index.ts';
import { join } from 'node:path';

export async function migrateCommand(config: Config, logger: Logger, out: (s: string) => void): Promise<number> {
  const store = await openStore(config.database.url ? { databaseUrl: config.database.url } : { dataDir: join(config.database.dataDir, 'pgdata') });
  try {
    const { applied } = await migrate(store, { logger, datasets: config.datasets });
    out(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database is up to date');
    return 0;
  } finally {
    await store.close();
  }
}
