/**
 * One campaign, whatever runs the syncs: seed → clean initial sync (the baseline, judged) →
 * rounds of edits on every side, each followed by a faulty sync (the harness decides how: faults,
 * kills, concurrent instances, an empty data source, a database restart) → faults off, syncs until
 * a full run finds nothing to do → an incremental run that must write nothing → the oracle.
 */
import { judge, Model, type Verdict } from './model.ts';
import { createRng, type Rng } from './rng.ts';
import { observe, type World } from './snapshot.ts';
import type { Sql } from '../src/store/types.ts';

/** One sync process or in-process run, as the campaign saw it. */
export interface RunRecord {
  round: number;
  phase: 'baseline' | 'chaos' | 'converge' | 'echo';
  scenario: string;
  full: boolean;
  /** Dataset step → status (success, error, aborted, locked, skipped); empty when the run died. */
  statuses: Array<[string, string]>;
  /** Records written on any side (created + updated + deleted + restored over every step). */
  writes: number;
  killed: boolean;
  /** The run ended without a result (killed, crashed, or failed before syncing). */
  died: boolean;
  note?: string;
  durationMs: number;
  /** The process's id in the campaign's write logs (chaos/writeLog.ts), for a chaos worker. */
  runId?: string;
  /** "<step> <status>: <message>" of each step that did not succeed (a process's --json summary). */
  failures?: string[];
}

export interface Harness {
  world: World;
  /** Plain SQL access for the model and the oracle (PGlite: opened only while no sync runs). */
  withSql<T>(fn: (sql: Sql) => Promise<T>): Promise<T>;
  /** Time between rounds (a FakeClock jumps; real time just goes on). */
  betweenRounds(round: number): Promise<void>;
  /** The faulty sync(s) of one round; returns every run made. */
  chaosRound(round: number, rng: Rng, level: number): Promise<RunRecord[]>;
  /** One run with faults off. */
  cleanRun(round: number, phase: RunRecord['phase'], full: boolean): Promise<RunRecord>;
  faultsInjected(): number;
  close(): Promise<void>;
}

export interface CampaignOptions {
  seed: number;
  level: number;
  rounds: number;
  records: number;
  google: boolean;
  /** Faults-off runs allowed to converge. */
  maxConvergeRuns?: number;
  log?: (line: string) => void;
}

export interface CampaignResult {
  level: number;
  seed: number;
  faultsInjected: number;
  runs: number;
  kills: number;
  records: number;
  edits: number;
  lost: number;
  duplicated: number;
  wronglyDeleted: number;
  /** Faults-off runs until a full run found nothing to do (that run included); null: never within the limit. */
  runsToConverge: number | null;
  /** Records written by the incremental run after convergence (echoes: must be 0). */
  echoWrites: number;
  baseline: Pick<Verdict, 'lost' | 'duplicated' | 'wronglyDeleted'>;
  scenarios: Record<string, number>;
  verdict: Verdict;
  history: RunRecord[];
  model: Model;
}

export const quiet = (r: RunRecord) => !r.died && r.writes === 0 && r.statuses.every(([, s]) => s === 'success' || s === 'skipped');

export async function runCampaign(h: Harness, opts: CampaignOptions): Promise<CampaignResult> {
  const rng = createRng(opts.seed);
  const log = opts.log ?? (() => undefined);
  const model = new Model(rng.fork('model'), { records: opts.records, google: opts.google });
  const history: RunRecord[] = [];
  const maxConverge = opts.maxConvergeRuns ?? 6;

  const converge = async (round: number): Promise<number | null> => {
    for (let i = 1; i <= maxConverge; i++) {
      const r = await h.cleanRun(round, 'converge', true);
      history.push(r);
      if (quiet(r)) return i;
    }
    return null;
  };
  const verdictNow = () => h.withSql(async (sql) => judge(model, await observe(h.world, sql), opts.google));

  // Seed and a clean first sync: the starting point every round builds on.
  await model.seed(h.world);
  const first = await h.cleanRun(0, 'baseline', true);
  history.push(first);
  const baselineRuns = await converge(0);
  const baseline = await verdictNow();
  log(`  baseline: ${model.records.size} records, synced in ${baselineRuns === null ? '>' + maxConverge : baselineRuns + 1} runs; lost ${baseline.lost}, duplicated ${baseline.duplicated}, wrongly deleted ${baseline.wronglyDeleted}`);

  const faultsBefore = h.faultsInjected();
  for (let round = 1; round <= opts.rounds; round++) {
    await h.betweenRounds(round);
    const made = await h.withSql(async (sql) => model.round(h.world, sql, await observe(h.world, sql), round));
    const runs = await h.chaosRound(round, rng.fork(`chaos:${round}`), opts.level);
    history.push(...runs);
    log(`  round ${round}: ${made} edits; ${runs.map((r) => `${r.scenario}${r.killed ? ' (killed)' : r.died ? ' (died)' : ''} → ${summarizeStatuses(r)}`).join('; ')}`);
  }
  const faultsInjected = h.faultsInjected() - faultsBefore;

  await h.betweenRounds(opts.rounds + 1);
  const runsToConverge = await converge(opts.rounds + 1);
  await h.betweenRounds(opts.rounds + 2);
  const echo = await h.cleanRun(opts.rounds + 2, 'echo', false);
  history.push(echo);
  const verdict = await verdictNow();
  log(`  converged in ${runsToConverge ?? '>' + maxConverge} runs; echo writes ${echo.writes}; lost ${verdict.lost}, duplicated ${verdict.duplicated}, wrongly deleted ${verdict.wronglyDeleted}`);

  const chaosRuns = history.filter((r) => r.phase === 'chaos');
  const scenarios: Record<string, number> = {};
  for (const r of chaosRuns) scenarios[r.scenario] = (scenarios[r.scenario] ?? 0) + 1;
  return {
    level: opts.level,
    seed: opts.seed,
    faultsInjected,
    runs: history.length,
    kills: history.filter((r) => r.killed).length,
    records: model.records.size,
    edits: model.edits.length,
    lost: verdict.lost,
    duplicated: verdict.duplicated,
    wronglyDeleted: verdict.wronglyDeleted,
    runsToConverge,
    echoWrites: echo.writes,
    baseline: { lost: baseline.lost, duplicated: baseline.duplicated, wronglyDeleted: baseline.wronglyDeleted },
    scenarios,
    verdict,
    history,
    model,
  };
}

export function summarizeStatuses(r: RunRecord): string {
  if (r.died && !r.statuses.length) return r.note ?? 'no result';
  const bad = r.statuses.filter(([, s]) => s !== 'success' && s !== 'skipped');
  return `${bad.length ? bad.map(([d, s]) => `${d} ${s}`).join(', ') : 'ok'}, ${r.writes} writes${r.note ? ` (${r.note})` : ''}`;
}
