import type { Config, ResolvedDataset } from '../config/index.ts';
import type { GoogleConnector } from '../connectors/google/types.ts';
import type { NotionConnector } from '../connectors/notion/types.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { LeaseOptions } from '../store/leases.ts';
import type { Store } from '../store/types.ts';
import type { RunChanges } from './changeLog.ts';

/** Everything a run touches, injected: the runner itself reads no globals. */
export interface RunContext {
  store: Store;
  notion: NotionConnector;
  /** Present when Google is configured. */
  google?: GoogleConnector;
  config: Config;
  clock: Clock;
  logger: Logger;
  /**
   * Test hook called at each step boundary of a write path (e.g. "create:notion-accepted"); a test
   * throws from it to simulate a crash at exactly that point. Never set in production.
   */
  failpoint?: (name: string) => void | Promise<void>;
  /** Per-dataset lease settings (ttl, heartbeat timers, identity); defaults suit production. */
  lease?: Omit<LeaseOptions, 'logger'>;
  /** Set by runFramed for the run's body: where each write batch records the records it changed. */
  changes?: RunChanges;
}

export interface RunOptions {
  /** Read everything on both sides (finds deletions, rebuilds links). */
  full?: boolean;
  /** Incremental window: records edited in the last N hours, instead of since the stored cursor. */
  hours?: number;
  /** Plan only: report what would change and write nothing. */
  dryRun?: boolean;
  /** Proceed even when the deletion valve would abort the run. */
  force?: boolean;
  /**
   * A targeted run (webhooks): sync just these Notion pages, read by id; Postgres rows are those
   * linked to them. Cursors do not move (the next regular run still reads its whole window).
   */
  pageIds?: string[];
  /**
   * A targeted run from the Postgres side: sync just these rows (by id) to Notion; the Notion side
   * of a linked row is its base unless it was never synced. Used to carry the contacts Google
   * step's changes to Notion without reading Notion again. Cursors do not move.
   */
  recordIds?: string[];
  /** Progress of long runs (records done of total, per phase), for the CLI's progress line and the server. */
  onProgress?: (p: { dataset: string; phase: string; done: number; total?: number }) => void;
}

export function datasetByName(config: Config, name: string): ResolvedDataset | undefined {
  return config.datasets.find((d) => d.name === name);
}
