/**
 * The fault campaign, reduced for the test suite (`npm run chaos` is the full one): in one process
 * on a FakeClock, a seeded campaign of two-way (meetings with attendees, journals) and three-way
 * (contacts with Google) syncs — users edit Notion, Postgres and Google between runs while 20% of
 * requests fail (429, 5xx, dropped connections, writes that commit and then fail), every round
 * crashes at a create step (create:marked, create:notion-accepted, create:recorded in turn) and
 * every third round the Notion data source comes back empty or truncated on a full run. After the
 * faults stop, the oracle must find nothing lost, duplicated or wrongly deleted.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCampaign } from '../../chaos/campaign.ts';
import { createInProcessHarness } from '../../chaos/inProcess.ts';
import { historyOf } from '../../chaos/model.ts';
import type { Store } from '../../src/store/types.ts';
import { openTestStore, storeBackends } from '../helpers/stores.ts';

describe.each(storeBackends())('fault campaign (reduced) on %s', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());

  it('loses, duplicates and wrongly deletes nothing at 20% faults with a crash at each create step', async () => {
    const seed = 7;
    const h = await createInProcessHarness(store, { seed, google: true });
    try {
      const r = await runCampaign(h, { seed, level: 0.2, rounds: 4, records: 8, google: true });
      const findings = r.verdict.findings.map((f) => `${f.key ?? '-'} ${f.side} ${f.kind}: ${f.detail}${f.key && r.model.records.has(f.key) ? ` [edits: ${historyOf(r.model, f.key).join('; ')}]` : ''}`);
      expect({ baseline: r.baseline, lost: r.lost, duplicated: r.duplicated, wronglyDeleted: r.wronglyDeleted }, findings.join('\n')).toEqual({
        baseline: { lost: 0, duplicated: 0, wronglyDeleted: 0 },
        lost: 0,
        duplicated: 0,
        wronglyDeleted: 0,
      });
      expect(r.runsToConverge, 'faults-off runs until a full run has nothing to do').not.toBeNull();
      expect(r.echoWrites, 'writes by an incremental run after convergence (echoes)').toBe(0);
      // The campaign really was faulty: requests failed, runs crashed at create steps, a valve held.
      expect(r.faultsInjected).toBeGreaterThan(10);
      expect(r.kills).toBeGreaterThanOrEqual(2);
      const valve = r.history.filter((x) => x.note?.startsWith('valve:'));
      expect(valve.length).toBeGreaterThanOrEqual(1);
      expect(r.history.some((x) => x.note?.includes('DID NOT TRIP'))).toBe(false);
      expect(r.records).toBeGreaterThan(30);
    } finally {
      await h.close();
    }
  });
});
