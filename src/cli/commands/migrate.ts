import type { Config } from '../../config/index.ts';
import { datasetsForTables } from '../../engine/dataSource.ts';
import type { Logger } from '../../lib/logger.ts';
import { migrate, openStore } from '../../store/index.ts';
import { join } from 'node:path';

export async function migrateCommand(config: Config, logger: Logger, out: (s: string) => void): Promise<number> {
  const store = await openStore(config.database.url ? { databaseUrl: config.database.url } : { dataDir: join(config.database.dataDir, 'pgdata') });
  try {
    const { applied, tables, legacyUpgrade } = await migrate(store, { logger, datasets: datasetsForTables(config.datasets) });
    if (legacyUpgrade) {
      out(
        `moved the bookkeeping of an earlier jarvis-sync from schema public to schema jarvis_sync, data kept (${legacyUpgrade.moved.join(', ') || 'no tables'})` +
          (legacyUpgrade.datasetTables.length
            ? `; row level security is now on for ${legacyUpgrade.datasetTables.join(', ')}: an app that reads them through Supabase's Data API needs a grant and a policy (README, "Tables, RLS and the Data API")`
            : ''),
      );
    }
    const said = [
      applied.length ? `applied ${applied.length} migration(s): ${applied.join(', ')}` : '',
      tables.created.length ? `created ${tables.created.join(', ')}` : '',
      tables.adopted.length ? `adopted ${tables.adopted.join(', ')} (columns added where missing; nothing dropped or retyped)` : '',
      tables.completed.length ? `completed ${tables.completed.map((c) => `${c.table} (${c.added})`).join(', ')}` : '',
      tables.skipped.length ? `left alone (dataset disabled, table not jarvis-sync's): ${tables.skipped.join(', ')}` : '',
    ].filter(Boolean);
    out(said.length ? said.join('\n') : 'database is up to date');
    return 0;
  } finally {
    await store.close();
  }
}
