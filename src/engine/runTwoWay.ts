/**
 * Two-way runner (Notion ⇄ Postgres), per the design's algorithm, as a pipeline of steps
 * (src/engine/twoWay/): read both sides' changes → rebuild lost links and pair records → read what
 * the pairs still need → plan (three-way merge against the ledger's base, valves) → write Notion,
 * then Postgres rows with their ledger entries → remember failures, move the cursors. Decisions are
 * the pure core's (planTwoWay, mergeTwoWay, safetyValve); the steps move data.
 */
import type { ResolvedDataset } from '../config/index.ts';
import type { RunContext, RunOptions } from './context.ts';
import type { RunResult } from './result.ts';
import { runFramed } from './runFrame.ts';
import { applyNotionWrites } from './twoWay/applyNotion.ts';
import { applyPostgresWrites } from './twoWay/applyPostgres.ts';
import { advanceCursors, rememberFailures } from './twoWay/cursors.ts';
import { relinkAndPair } from './twoWay/pair.ts';
import { countWrite, planTwoWayRun, reportPlan } from './twoWay/plan.ts';
import { NotionReads, readNotionSide, readPagesOfRows, readPairedPages } from './twoWay/readNotionSide.ts';
import { readPostgresSide } from './twoWay/readPostgresSide.ts';
import { startTwoWayRun } from './twoWay/run.ts';

export async function runTwoWay(ctx: RunContext, ds: ResolvedDataset, opts: RunOptions = {}): Promise<RunResult> {
  return runFramed(ctx, ds, opts, (result, started, guarded) => syncTwoWay(guarded, ds, opts, result, started));
}

async function syncTwoWay(ctx: RunContext, configured: ResolvedDataset, opts: RunOptions, result: RunResult, started: number): Promise<void> {
  const run = await startTwoWayRun(ctx, configured, opts, result, started);
  // 1. Read: the window's pages, then the rows (changed, of the pages read, failed, being created),
  //    then the pages those rows name.
  const reads = new NotionReads(run);
  await readNotionSide(run, reads);
  const pg = await readPostgresSide(run, reads.pages);
  await readPagesOfRows(run, reads, pg);
  // 2. Pair, after rebuilding lost links; read what the pairs still need (a full run's absent pages).
  const paired = await relinkAndPair(run, reads.pages, pg);
  const notionGone = await readPairedPages(run, reads, pg, paired);
  // 3. Plan, with the valves: nothing is written before this point but rebuilt links.
  const plan = await planTwoWayRun(run, reads, pg, paired, notionGone);
  if (run.dryRun) return reportPlan(run, plan);
  // 4. Apply: Notion first (a record Notion refused is not written to Postgres), then Postgres.
  const done = await applyNotionWrites(run, plan);
  const written = await applyPostgresWrites(run, done, pg.rows);
  for (const e of written) countWrite(result, e);
  result.skipped = result.errors.length;
  // 5. Record: failures for the next run, then the cursors (never past a failure).
  await rememberFailures(run, reads, plan.notionStates, pg);
  await advanceCursors(run, reads, pg);
}
