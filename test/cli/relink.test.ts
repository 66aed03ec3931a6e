/**
 * `jarvis-sync relink [dataset] [--dry-run]`: rebuilds lost links without syncing; the dry run
 * prints what it would restore and the ambiguities and changes nothing.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parseCommand } from '../../src/cli/args.ts';
import { helpText } from '../../src/cli/help.ts';
import { relinkCommand } from '../../src/cli/commands/relink.ts';
import { runTwoWay } from '../../src/engine/runTwoWay.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import type { Store } from '../../src/store/types.ts';
import { openTestStore, resetTables } from '../helpers/stores.ts';
import { createTwoWayHarness, type TwoWayHarness } from '../helpers/twoWayHarness.ts';

describe('jarvis-sync relink', () => {
  let store: Store;
  let h: TwoWayHarness;
  beforeAll(async () => {
    store = await openTestStore('pglite');
  });
  afterAll(() => store.close());
  beforeEach(async () => {
    await resetTables(store);
    h = await createTwoWayHarness(store);
  });
  afterEach(() => h.close());

  /** Runs the command on the test store (left open) and the harness's connectors. */
  async function relink(...argv: string[]): Promise<{ code: number; lines: string[] }> {
    const lines: string[] = [];
    const shared = new Proxy(store, { get: (t, k) => (k === 'close' ? async () => undefined : typeof (t as any)[k] === 'function' ? (t as any)[k].bind(t) : (t as any)[k]) });
    const code = await relinkCommand(parseCommand(['relink', ...argv]), h.config, silentLogger, (s) => lines.push(s), { openStore: async () => shared, context: () => h.ctx });
    return { code, lines };
  }
  const snapshot = async () => ({
    journals: (await store.query('SELECT id, notion_page_id, updated_at FROM journals ORDER BY id')).rows,
    contacts: (await store.query('SELECT id, notion_page_id, google_resource_name FROM contacts ORDER BY id')).rows,
    links: (await store.query('SELECT dataset, record_id, notion_page_id, google_id, base FROM jarvis_sync.sync_links ORDER BY dataset, record_id')).rows,
    logs: (await store.query('SELECT count(*)::int AS n FROM sync_logs')).rows[0].n,
    state: (await store.query('SELECT key, value FROM jarvis_sync.sync_state ORDER BY key')).rows,
    pages: h.emulator.listPages(h.ids.journalsDataSource).length + h.emulator.listPages(h.ids.contactsDataSource).length,
  });

  it('--dry-run prints the links it would restore and the ambiguities, and changes nothing; without it, restores them', async () => {
    await runTwoWay(h.ctx, h.ds('journals'));
    await runTwoWay(h.ctx, h.ds('contacts'));
    const [lost, stolen] = h.emulator.listPages(h.ids.journalsDataSource);
    const lostRow = (await store.query('SELECT id FROM journals WHERE notion_page_id = $1', [lost!.id])).rows[0];
    await store.query('UPDATE journals SET notion_page_id = NULL WHERE id = $1', [lostRow.id]);
    // The ledger gives a page to a row whose page another row now holds: ambiguous.
    const stolenRow = (await store.query('SELECT id FROM journals WHERE notion_page_id = $1', [stolen!.id])).rows[0];
    await store.query('UPDATE journals SET notion_page_id = NULL WHERE id = $1', [stolenRow.id]);
    await store.query(`INSERT INTO journals (title, notion_page_id) VALUES ('copy', $1)`, [stolen!.id]);
    // A contact's Google link, cleared; the Google step's ledger still has it.
    const contact = (await store.query('SELECT id FROM contacts ORDER BY id LIMIT 1')).rows[0];
    await store.query(`INSERT INTO jarvis_sync.sync_links (dataset, record_id, google_id) VALUES ('contacts_google', $1, 'people/c42')`, [contact.id]);
    const before = await snapshot();

    const dry = await relink('--dry-run');
    expect(dry.code).toBe(0);
    expect(dry.lines).toContain(`  would restore row ${lostRow.id} → page ${lost!.id} (from sync_links)`);
    expect(dry.lines.join('\n')).toMatch(new RegExp(`ambiguous, left as is: sync_links pairs row ${stolenRow.id} with page ${stolen!.id}, which row \\S+ now holds`));
    expect(dry.lines.find((l) => l.startsWith('journals:'))).toMatch(/^journals: dry run — 1 link would be rebuilt \(sync_links 1\), 1 ambiguous, 0 errors$/);
    expect(dry.lines.find((l) => l.startsWith('contacts:'))).toMatch(/1 Google link rebuilt/);
    expect(await snapshot()).toEqual(before);

    const real = await relink('journals');
    expect(real.code).toBe(0);
    expect(real.lines).toContain(`  restored row ${lostRow.id} → page ${lost!.id} (from sync_links)`);
    expect((await store.query('SELECT notion_page_id FROM journals WHERE id = $1', [lostRow.id])).rows[0].notion_page_id).toBe(lost!.id);
    expect((await store.query('SELECT notion_page_id FROM journals WHERE id = $1', [stolenRow.id])).rows[0].notion_page_id).toBeNull();
    expect((await store.query('SELECT google_resource_name FROM contacts WHERE id = $1', [contact.id])).rows[0].google_resource_name).toBeNull(); // only journals named
    expect((await store.query(`SELECT count(*)::int AS n FROM sync_logs WHERE event_type = 'journals_relink_sync'`)).rows[0].n).toBe(1);

    await relink('contacts');
    expect((await store.query('SELECT google_resource_name FROM contacts WHERE id = $1', [contact.id])).rows[0].google_resource_name).toBe('people/c42');
  });

  it('says why calendar and gmail have nothing to relink; an unknown dataset is a usage error', async () => {
    const r = await relink('calendar');
    expect(r.code).toBe(0);
    expect(r.lines[0]).toMatch(/calendar: rows are keyed by their Google id/);
    await expect(relink('nope')).rejects.toThrow(/unknown dataset "nope"/);
  });

  it('has its own help page', () => {
    expect(helpText('relink')).toMatch(/^Usage: jarvis-sync relink \[dataset\] \[--dry-run\]/);
    expect(helpText('relink')).toContain('--dry-run');
  });
});
