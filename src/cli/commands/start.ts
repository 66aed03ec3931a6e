import type { Config } from '../../config/index.ts';
import { runAll } from '../../engine/runAll.ts';
import type { Logger } from '../../lib/logger.ts';
import { createRunContext, openMigratedStore } from '../app.ts';
import { numberFlag, type ParsedCommand } from '../args.ts';
import { printResult } from '../output.ts';
import { demoCommand } from './demo.ts';

/**
 * `jarvis-sync start` (`npm start`): with no NOTION_TOKEN, the demo; otherwise `sync all` now and
 * then every --interval minutes (default 15, the spec's cadence) until Ctrl-C.
 */
export async function startCommand(cmd: ParsedCommand, config: Config, logger: Logger, out: (s: string) => void): Promise<number> {
  if (!config.notion.token) {
    out('NOTION_TOKEN is not set: starting the demo (sample data in a local Notion emulator). Set NOTION_TOKEN and NOTION_<DATASET>_DATABASE_ID to sync your own workspace.\n');
    return demoCommand({ ...cmd, flags: { ...cmd.flags, interval: undefined } }, config, logger, out);
  }
  const minutes = numberFlag(cmd.flags, 'interval', { min: 1, max: 24 * 60 }) ?? 15;
  const store = await openMigratedStore(config, logger);
  const ctx = createRunContext(config, store, logger);
  let stopping = false;
  let wake: (() => void) | undefined;
  const stop = () => {
    stopping = true;
    wake?.();
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    out(`jarvis-sync: syncing every ${minutes} minutes; Ctrl-C stops.`);
    while (!stopping) {
      const results = await runAll(ctx, {}, (r) => (r.status === 'skipped' ? undefined : printResult(r, out)));
      logger.info({ datasets: results.map((r) => [r.dataset, r.status]) }, 'sync all finished');
      await new Promise<void>((resolve) => {
        wake = resolve;
        const t = setTimeout(resolve, minutes * 60_000);
        t.unref?.();
      });
    }
    return 0;
  } finally {
    await store.close();
  }
}
