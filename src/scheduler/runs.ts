/**
 * The part of the RunManager (src/server/runManager.ts) the scheduler and the notifier use.
 * Declared here, structurally identical to the server's, so neither depends on the HTTP layer:
 * the RunManager satisfies RunStarter as is.
 */
import type { RunOptions } from '../engine/context.ts';
import type { RunResult } from '../engine/result.ts';

export type RunTrigger = 'http' | 'schedule' | 'webhook' | 'cli' | 'postgres';

export interface RunRecord {
  id: string;
  /** A dataset name or 'all'. */
  target: string;
  trigger: RunTrigger;
  status: 'running' | 'success' | 'error' | 'aborted';
  startedAt: string;
  finishedAt?: string;
  options: RunOptions;
  /** One per dataset step (contacts has up to three). */
  results: RunResult[];
  /** Set when the run failed as a whole (e.g. the store could not be opened). */
  error?: string;
}

export interface RunStarter {
  /** Starts a run, or refuses with the id of the run of that target already going (`conflict`). */
  start(target: string, opts: RunOptions, trigger: RunTrigger): { run: RunRecord; done: Promise<RunRecord> } | { conflict: string };
}
