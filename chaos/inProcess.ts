/**
 * The campaign in one process, for the test suite: emulators, connectors and the engine share a
 * FakeClock (retries and pacing never sleep for real), and a "kill" is a failpoint that throws
 * at a create step instead of SIGKILL. Faults, the empty/truncated data source and the
 * create-step crashes are the same as in the full campaign; child processes, two instances and
 * database restarts are the full campaign's (`npm run chaos`).
 */
import { loadConfig } from '../src/config/index.ts';
import { createGoogleConnector } from '../src/connectors/google/index.ts';
import { createNotionConnector } from '../src/connectors/notion/index.ts';
import type { RunContext } from '../src/engine/context.ts';
import type { RunResult } from '../src/engine/result.ts';
import { runAll } from '../src/engine/runAll.ts';
import { FakeClock } from '../src/lib/clock.ts';
import { silentLogger } from '../src/lib/logger.ts';
import type { Store } from '../src/store/types.ts';
import type { Harness, RunRecord } from './campaign.ts';
import type { DatasetName } from './fields.ts';
import { createRng, type Rng } from './rng.ts';
import { CHAOS_CONFIG, createWorld, CREATE_FAILPOINTS, faultMix } from './world.ts';

export async function createInProcessHarness(store: Store, opts: { seed: number; google: boolean }): Promise<Harness> {
  const clock = new FakeClock('2026-03-02T09:00:00.000Z');
  const rng = createRng(opts.seed).fork('harness');
  const world = createWorld({ clock, rng, google: opts.google });
  const notionUrl = await world.notion.listen(0, '127.0.0.1');
  const googleUrl = world.google ? await world.google.listen(0, '127.0.0.1') : undefined;
  const config = loadConfig({ env: world.env({ notion: notionUrl, google: googleUrl }), cwd: '/nonexistent-jarvis-chaos-cwd' });
  Object.assign(config.sync, CHAOS_CONFIG.sync);
  for (const ds of config.datasets) if (ds.name === 'calendar' || ds.name === 'gmail') ds.enabled = false;
  const ctx: RunContext = {
    store,
    notion: createNotionConnector({ token: config.notion.token!, baseUrl: notionUrl, clock, logger: silentLogger, requestsPerSecond: 100, burst: 100, random: rng.fork('notion-jitter').next }),
    google: world.google
      ? createGoogleConnector({ ...config.google.credentials!, apiRoot: googleUrl, clock, logger: silentLogger, requestsPerSecond: 100, random: rng.fork('google-jitter').next })
      : undefined,
    config,
    clock,
    logger: silentLogger,
  };
  let failpointsThrown = 0;

  const record = (round: number, phase: RunRecord['phase'], scenario: string, full: boolean, results: RunResult[] | null, started: number, note?: string): RunRecord => ({
    round,
    phase,
    scenario,
    full,
    statuses: (results ?? []).map((r) => [r.dataset, r.status]),
    writes: (results ?? []).reduce((n, r) => n + r.created + r.updated + r.deleted + r.restored, 0),
    killed: false,
    died: results === null,
    note,
    durationMs: clock.now() - started,
  });

  const run = async (round: number, phase: RunRecord['phase'], scenario: string, full: boolean, note?: string): Promise<RunRecord> => {
    const started = clock.now();
    try {
      return record(round, phase, scenario, full, await runAll(ctx, { full }), started, note);
    } catch (e) {
      return record(round, phase, scenario, full, null, started, `${note ? note + '; ' : ''}${(e as Error).message}`);
    }
  };

  return {
    world,
    withSql: (fn) => fn(store),
    betweenRounds: async () => clock.advance(10 * 60_000),
    async chaosRound(round: number, r: Rng, level: number) {
      const mix = faultMix(r, level);
      world.notion.setFaults(mix.notion);
      world.google?.setFaults(mix.google);
      const runs: RunRecord[] = [];
      try {
        // Every round crashes at one create step (in turn), on the first create that reaches it.
        const point = CREATE_FAILPOINTS[(round - 1) % CREATE_FAILPOINTS.length]!;
        let fired = false;
        ctx.failpoint = (name) => {
          if (name === point && !fired) {
            fired = true;
            failpointsThrown++;
            throw new Error(`chaos: crash at ${name}`);
          }
        };
        let scenario = `faults${mix.commitThenFail ? '+commit-then-fail' : ''}+throw@${point}`;
        const override = round % 3 === 0 ? r.pick<DatasetName>(['contacts', 'meetings', 'journals']) : null;
        const valveMinimum = config.sync.deletionValveMinimum;
        if (override) {
          const mode = r.chance(0.5) ? ('empty' as const) : { truncateTo: 2 };
          world.notion.setQueryOverride(world.dataSources[override], mode);
          // The strict share (no minimum), so a truncated answer trips the valve even in a small dataset.
          config.sync.deletionValveMinimum = 0;
          scenario = `${override} ${mode === 'empty' ? 'empty' : 'truncated'} (full)`;
        }
        const full = Boolean(override) || r.chance(0.3);
        const first = await run(round, 'chaos', scenario, full);
        config.sync.deletionValveMinimum = valveMinimum;
        if (fired) {
          first.killed = true;
          first.note = `crashed at ${point}`;
        }
        if (override) {
          world.notion.setQueryOverride(world.dataSources[override], null);
          first.note = valveNote(first, override);
        }
        runs.push(first);
        ctx.failpoint = undefined;
        // The "restart": another faulty run right away.
        clock.advance(30_000);
        runs.push(await run(round, 'chaos', `faults (restart)`, r.chance(0.3)));
      } finally {
        ctx.failpoint = undefined;
        world.notion.setFaults(null);
        world.google?.setFaults(null);
      }
      return runs;
    },
    async cleanRun(round, phase, full) {
      clock.advance(60_000);
      return run(round, phase, phase, full);
    },
    faultsInjected: () => world.notion.faultsInjected + (world.google?.faultsInjected ?? 0) + failpointsThrown,
    async close() {
      await world.notion.close();
      await world.google?.close();
    },
  };
}

/** Whether the valve held: the dataset's run must not succeed on an empty or truncated data source. */
export function valveNote(r: RunRecord, dataset: string): string {
  const status = r.statuses.find(([d]) => d === dataset)?.[1];
  return status === 'success' ? `VALVE DID NOT TRIP on ${dataset}` : `valve: ${dataset} ${status ?? 'not run'}`;
}
