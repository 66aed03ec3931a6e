import type { Config } from '../../config/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { migrate, openStore } from '../../store/index.ts';
import { join } from 'node:path';

export async function migrateCommand(config: Config, logger: Logger, out: (s: string) => void): Promise<number> {
  const store = await openStore(config.database.url ? { databaseUrl: config.database.url } : { dataDir: join(config.database.dataDir, 'pgdata') });
  try {
    const { applied, legacyUpgrade } = await migrate(store, { logger, datasets: config.datasets });
    if (legacyUpgrade) {
      out(
        `moved the bookkeeping of an earlier jarvis-sync from schema public to schema jarvis_sync, data kept (${legacyUpgrade.moved.join(', ') || 'no tables'})` +
          (legacyUpgrade.datasetTables.length
            ? `; row level security is now on for ${legacyUpgrade.datasetTables.join(', ')}: an app that reads them through Supabase's Data API needs a grant and a policy (README, "Tables, RLS and the Data API")`
            : ''),
      );
    }
    out(applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : 'database is up to date');
    return 0;
  } finally {
    await store.close();
  }
}
