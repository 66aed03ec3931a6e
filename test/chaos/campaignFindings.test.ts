/**
 * Engine bugs the fault campaign (`npm run chaos`, test/chaos/campaign.test.ts) found, each
 * reduced to the shortest deterministic reproduction. Every test states the behaviour the README
 * documents; each fails until its bug is fixed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runDatasetSteps } from '../../src/engine/runAll.ts';
import { runTwoWay } from '../../src/engine/runTwoWay.ts';
import type { Store } from '../../src/store/types.ts';
import { createGoogleHarness, type GoogleHarness } from '../helpers/googleHarness.ts';
import { plain } from '../helpers/harness.ts';
import { openTestStore, resetTables, storeBackends } from '../helpers/stores.ts';
import { createTwoWayHarness, type TwoWayHarness } from '../helpers/twoWayHarness.ts';

const text = (s: string) => ({ rich_text: [{ text: { content: s } }] });

describe.each(storeBackends())('fault campaign findings on %s', (kind) => {
  let store: Store;
  beforeAll(async () => {
    store = await openTestStore(kind);
  });
  afterAll(() => store.close());
  beforeEach(() => resetTables(store));

  describe('two-way', () => {
    let h: TwoWayHarness;
    beforeEach(async () => {
      h = await createTwoWayHarness(store, { sample: { contacts: 4, meetings: 0, tasks: 0, reflections: 0, journals: 4 } });
    });
    afterEach(() => h.close());
    const later = () => h.clock.advance(10 * 60_000);
    const sync = (name: string, opts = {}) => runTwoWay(h.ctx, h.ds(name), opts);
    const row = async (pageId: string) => (await store.query('SELECT * FROM journals WHERE notion_page_id = $1', [pageId])).rows[0];
    /** A Postgres edit stamped on the harness's clock, so "newer" means what the scenario says. */
    const pgEdit = (sql: string, params: unknown[]) => store.query(sql.replace('WHERE', `, updated_at = '${new Date(h.clock.now()).toISOString()}' WHERE`), params);

    it('a Postgres edit made while the page was being trashed in Notion survives the restore (ledger base of a deleted record)', async () => {
      await sync('journals');
      const page = h.emulator.listPages(h.ids.journalsDataSource)[0]!;
      later();
      await pgEdit(`UPDATE journals SET content = 'edited in Postgres' WHERE notion_page_id = $1`, [page.id]);
      h.emulator.trashPage(page.id, true);
      later();
      expect((await sync('journals', { full: true })).status).toBe('success');
      expect((await row(page.id)).deleted_at).not.toBeNull();
      later();
      h.emulator.trashPage(page.id, false); // restored in Notion
      later();
      await sync('journals');
      later();
      await sync('journals');
      // The only edit of the content was Postgres's: both sides must hold it.
      expect((await row(page.id)).content).toBe('edited in Postgres');
      expect(plain(h.emulator.getPage(page.id)!, 'Entry')).toBe('edited in Postgres');
    });

    it('a Postgres edit of a row whose page was trashed in Notion since the last run: the incremental run re-reads the page instead of failing', async () => {
      await sync('journals');
      const page = h.emulator.listPages(h.ids.journalsDataSource)[2]!;
      later();
      h.emulator.trashPage(page.id, true);
      later();
      await pgEdit(`UPDATE journals SET content = 'edited after the trash' WHERE notion_page_id = $1`, [page.id]);
      later();
      const first = await sync('journals');
      expect(first.errors ?? []).toEqual([]);
      expect(first.status).toBe('success');
      expect((await row(page.id)).deleted_at).not.toBeNull(); // Notion's trash reached Postgres
      expect(h.emulator.getPage(page.id)!.in_trash).toBe(true);
      later();
      expect((await sync('journals')).status).toBe('success'); // and the next run is quiet
      later();
      h.emulator.trashPage(page.id, false); // restored in Notion: the Postgres edit was not lost
      later();
      await sync('journals');
      later();
      await sync('journals');
      expect((await row(page.id)).content).toBe('edited after the trash');
      expect(plain(h.emulator.getPage(page.id)!, 'Entry')).toBe('edited after the trash');
    });

    it('a Notion edit made while the row was being soft-deleted in Postgres survives the restore', async () => {
      await sync('journals');
      const page = h.emulator.listPages(h.ids.journalsDataSource)[1]!;
      later();
      h.emulator.updatePage(page.id, { Entry: text('edited in Notion') });
      await pgEdit(`UPDATE journals SET deleted_at = now() WHERE notion_page_id = $1`, [page.id]);
      later();
      await sync('journals');
      expect(h.emulator.getPage(page.id)!.in_trash).toBe(true);
      later();
      await pgEdit(`UPDATE journals SET deleted_at = NULL WHERE notion_page_id = $1`, [page.id]); // restored in Postgres
      later();
      await sync('journals');
      later();
      await sync('journals');
      expect(plain(h.emulator.getPage(page.id)!, 'Entry')).toBe('edited in Notion');
      expect((await row(page.id)).content).toBe('edited in Notion');
    });

    it('an interrupted create, recovered by its Supabase ID, is merged field by field (not record-level newer-wins)', async () => {
      await sync('journals');
      const { rows } = await store.query(`INSERT INTO journals (title, content) VALUES ('Born in Postgres', 'v1') RETURNING id`);
      later();
      h.emulator.setFaults({ rate: 1, statuses: [504], commitThenFail: true, only: /^POST \/v1\/pages$/ });
      expect((await sync('journals')).status).toBe('error'); // Notion has the page; the response was lost
      h.emulator.setFaults(null);
      const page = h.emulator.listPages(h.ids.journalsDataSource).find((p) => plain(p, 'Supabase ID') === rows[0].id)!;
      later();
      h.emulator.updatePage(page.id, { Entry: text('edited in Notion') }); // the user edits the new page…
      h.clock.advance(2 * 60_000);
      await pgEdit(`UPDATE journals SET title = 'Renamed in Postgres' WHERE id = $1`, [rows[0].id]); // …and, later, another field of the row
      later();
      expect((await sync('journals')).status).toBe('success');
      expect((await row(page.id)).content).toBe('edited in Notion');
      expect(plain(h.emulator.getPage(page.id)!, 'Title')).toBe('Renamed in Postgres');
    });

    it('an interrupted create whose page the user trashed before the next run is not created again', async () => {
      await sync('journals');
      const { rows } = await store.query(`INSERT INTO journals (title) VALUES ('Short-lived') RETURNING id`);
      later();
      h.emulator.setFaults({ rate: 1, statuses: [504], commitThenFail: true, only: /^POST \/v1\/pages$/ });
      await sync('journals');
      h.emulator.setFaults(null);
      const page = h.emulator.listPages(h.ids.journalsDataSource).find((p) => plain(p, 'Supabase ID') === rows[0].id)!;
      h.emulator.trashPage(page.id, true);
      later();
      await sync('journals');
      later();
      await sync('journals', { full: true });
      const pages = h.emulator.listPages(h.ids.journalsDataSource, { includeTrashed: true }).filter((p) => plain(p, 'Supabase ID') === rows[0].id);
      expect(pages.map((p) => p.id)).toEqual([page.id]);
      expect((await store.query('SELECT deleted_at FROM journals WHERE id = $1', [rows[0].id])).rows[0].deleted_at).not.toBeNull();
    });

    it('a Postgres edit of a Notion-owned contact field is not lost to the engine’s own unrecorded write (lost PATCH response)', async () => {
      await sync('contacts');
      const page = h.emulator.listPages(h.ids.contactsDataSource)[0]!;
      later();
      await pgEdit(`UPDATE contacts SET company = 'First' WHERE notion_page_id = $1`, [page.id]);
      h.emulator.setFaults({ rate: 1, statuses: [504], commitThenFail: true, only: /^PATCH \/v1\/pages\/:id$/ });
      await sync('contacts'); // Notion now says "First"; the ledger does not know
      h.emulator.setFaults(null);
      later();
      await pgEdit(`UPDATE contacts SET company = 'Second' WHERE notion_page_id = $1`, [page.id]);
      later();
      await sync('contacts');
      expect(plain(h.emulator.getPage(page.id)!, 'Company')).toBe('Second');
      expect((await store.query('SELECT company FROM contacts WHERE notion_page_id = $1', [page.id])).rows[0].company).toBe('Second');
    });

    it('a lost PATCH response, then a PATCH that never landed: the next attempt’s ledger entry keeps the first as agreed (Postgres edit not lost)', async () => {
      await sync('contacts');
      const page = h.emulator.listPages(h.ids.contactsDataSource)[0]!;
      later();
      await pgEdit(`UPDATE contacts SET company = 'First' WHERE notion_page_id = $1`, [page.id]);
      h.emulator.setFaults({ rate: 1, statuses: [504], commitThenFail: true, only: /^PATCH \/v1\/pages\/:id$/ });
      await sync('contacts'); // Notion now says "First"; the ledger only knows it was attempted
      later();
      await pgEdit(`UPDATE contacts SET company = 'Second' WHERE notion_page_id = $1`, [page.id]);
      h.emulator.setFaults({ rate: 1, statuses: [503], only: /^PATCH \/v1\/pages\/:id$/ });
      await sync('contacts'); // recognises "First" as its own, attempts "Second": refused, nothing applied
      expect(plain(h.emulator.getPage(page.id)!, 'Company')).toBe('First');
      h.emulator.setFaults(null);
      later();
      await sync('contacts');
      expect(plain(h.emulator.getPage(page.id)!, 'Company')).toBe('Second');
      expect((await store.query('SELECT company FROM contacts WHERE notion_page_id = $1', [page.id])).rows[0].company).toBe('Second');
    });
    it('a run targeted by record id (the contacts step after Google) reads the page of a record with an unconfirmed write: a landed write is not taken for a Notion edit', async () => {
      await sync('contacts');
      const page = h.emulator.listPages(h.ids.contactsDataSource)[1]!;
      const id = (await store.query('SELECT id FROM contacts WHERE notion_page_id = $1', [page.id])).rows[0].id;
      later();
      await pgEdit(`UPDATE contacts SET name = 'Name A' WHERE notion_page_id = $1`, [page.id]);
      h.emulator.setFaults({ rate: 1, statuses: [504], commitThenFail: true, only: /^PATCH \/v1\/pages\/:id$/ });
      await sync('contacts'); // Notion now says "Name A"; the ledger only knows it was attempted
      h.clock.advance(10_000);
      await pgEdit(`UPDATE contacts SET name = 'Name B' WHERE notion_page_id = $1`, [page.id]); // as Google's step would
      h.emulator.setFaults({ rate: 1, statuses: [503], only: /^PATCH \/v1\/pages\/:id$/ });
      await sync('contacts', { recordIds: [id] }); // attempts "Name B": refused, nothing applied
      expect(plain(h.emulator.getPage(page.id)!, 'Name')).toBe('Name A');
      h.emulator.setFaults(null);
      h.clock.advance(20_000); // same minute as "Name A" landed: a real conflict would be a tie, won by Notion
      await sync('contacts');
      expect(plain(h.emulator.getPage(page.id)!, 'Name')).toBe('Name B');
      expect((await store.query('SELECT name FROM contacts WHERE id = $1', [id])).rows[0].name).toBe('Name B');
    });
  });

  describe('three-way contacts', () => {
    let h: GoogleHarness;
    beforeEach(async () => {
      h = await createGoogleHarness(store);
    });
    afterEach(() => h.close());
    const contact = async (resourceName: string) => (await store.query('SELECT * FROM contacts WHERE google_resource_name = $1', [resourceName])).rows[0];

    it('a phone edited twice in Notion ends as the second value when Google’s answer to the first update was lost', async () => {
      await runDatasetSteps(h.ctx, h.ds('contacts'));
      const rn = h.sample.caseVariant!.resourceName;
      const pageId = (await contact(rn)).notion_page_id;
      h.clock.advance(10 * 60_000);
      h.notion.updatePage(pageId, { Phone: { phone_number: '+14155550100' } });
      h.google.setFaults({ rate: 1, statuses: [503], commitThenFail: true, only: /updateContact/ });
      await runDatasetSteps(h.ctx, h.ds('contacts')); // Google now holds +14155550100; the Google leg's ledger does not know
      h.google.setFaults(null);
      h.clock.advance(10 * 60_000);
      h.notion.updatePage(pageId, { Phone: { phone_number: '+14155550111' } });
      for (const r of await runDatasetSteps(h.ctx, h.ds('contacts'))) expect([r.dataset, r.status]).toEqual([r.dataset, 'success']);
      expect((await contact(rn)).phones[0]).toBe('+14155550111');
      expect(h.google.people.getPerson(rn)!.phoneNumbers![0]!.value).toBe('+14155550111');
      expect(h.notion.getPage(pageId)!.properties.Phone.phone_number).toBe('+14155550111');
    });

    it('a phone edited twice in Postgres ends as the second value when Google’s answer to the first update was lost and the second update failed', async () => {
      await runDatasetSteps(h.ctx, h.ds('contacts'));
      const rn = h.sample.caseVariant!.resourceName;
      const pageId = (await contact(rn)).notion_page_id;
      /** A Postgres edit stamped on the harness's clock. */
      const setPhone = (phone: string) => store.query(`UPDATE contacts SET phones = $1, updated_at = $2 WHERE google_resource_name = $3`, [[phone], new Date(h.clock.now()), rn]);
      h.clock.advance(10 * 60_000);
      await setPhone('+14155550100');
      h.google.setFaults({ rate: 1, statuses: [503], commitThenFail: true, only: /updateContact/ });
      await runDatasetSteps(h.ctx, h.ds('contacts')); // Google now holds +14155550100; the Google leg's ledger only knows it was attempted
      h.clock.advance(10 * 60_000);
      await setPhone('+14155550111');
      h.google.setFaults({ rate: 1, statuses: [503], only: /updateContact/ });
      await runDatasetSteps(h.ctx, h.ds('contacts')); // recognises +14155550100 as its own, attempts +14155550111: refused, nothing applied
      expect(h.google.people.getPerson(rn)!.phoneNumbers![0]!.value).toBe('+14155550100');
      h.google.setFaults(null);
      h.clock.advance(10 * 60_000);
      for (const r of await runDatasetSteps(h.ctx, h.ds('contacts'))) expect([r.dataset, r.status]).toEqual([r.dataset, 'success']);
      expect((await contact(rn)).phones[0]).toBe('+14155550111');
      expect(h.google.people.getPerson(rn)!.phoneNumbers![0]!.value).toBe('+14155550111');
      expect(h.notion.getPage(pageId)!.properties.Phone.phone_number).toBe('+14155550111');
    });

    it('two instances: the Google leg of one does not run against the contacts the other is syncing with Notion', async () => {
      await runDatasetSteps(h.ctx, h.ds('contacts'));
      const rn = h.sample.caseVariant!.resourceName;
      const before = await contact(rn);
      h.clock.advance(10 * 60_000);
      h.notion.updatePage(before.notion_page_id, { Company: text('Set in Notion') });
      h.google.people.updatePerson(rn, { phoneNumbers: [{ value: '+1 415 555 0142' }] });
      // Instance A runs the Notion leg; between its read and its write, instance B — which found
      // "contacts" locked — runs the Google leg on the same rows (as `sync all` does on a second instance).
      let raced = false;
      const storeA: Store = {
        kind: store.kind,
        get statementCount() {
          return store.statementCount;
        },
        query: (text, params) => store.query(text, params),
        exec: (script) => store.exec!(script),
        close: () => store.close(),
        transaction: async (fn) => {
          if (!raced) {
            raced = true;
            const b = await runDatasetSteps(h.ctx, h.ds('contacts'));
            expect(b.map((r) => [r.dataset, r.status])).toContainEqual(['contacts', 'locked']);
          }
          return store.transaction(fn);
        },
      };
      await runTwoWay({ ...h.ctx, store: storeA }, h.ds('contacts'));
      h.clock.advance(10 * 60_000);
      await runDatasetSteps(h.ctx, h.ds('contacts'));
      const after = await contact(rn);
      expect(after.company).toBe('Set in Notion');
      expect(after.phones[0]).toBe('+14155550142');
      expect(h.google.people.getPerson(rn)!.phoneNumbers![0]!.value).toBe('+1 415 555 0142');
    });
  });
});

describe.skipIf(!process.env.TEST_DATABASE_URL)('fault campaign findings: Postgres server restarts', () => {
  it('a connection the server ends in the middle of a transaction fails that transaction; the process lives on', async () => {
    // What `pg_ctlcluster … restart` does to every session, done to one test session only
    // (pg_terminate_backend): the campaign saw `sync all` die of an unhandled 'error' event.
    const dir = mkdtempSync(join(tmpdir(), 'jarvis-finding-'));
    const script = join(dir, 'terminated.mts');
    writeFileSync(
      script,
      `import { openStore } from ${JSON.stringify(resolve('src/store/index.ts'))};
const url = process.env.TEST_DATABASE_URL;
const store = await openStore({ databaseUrl: url });
const admin = await openStore({ databaseUrl: url });
const outcome = await store
  .transaction(async (tx) => {
    const pid = (await tx.query('SELECT pg_backend_pid() AS pid')).rows[0].pid;
    await admin.query('SELECT pg_terminate_backend($1)', [pid]);
    // Until the server has ended that session (its goodbye is on the way to the idle connection).
    while ((await admin.query('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0].n > 0);
    await tx.query('SELECT 1');
  })
  .then(() => 'committed', (e) => 'failed: ' + e.name + (e.transient ? ' (transient) ' : ' ') + e.message);
console.log(outcome);
await store.close().catch(() => undefined);
await admin.close();
console.log('alive');
`,
    );
    try {
      const run = await promisify(execFile)(process.execPath, ['--import', import.meta.resolve('tsx'), script], { env: process.env }).then(
        (r) => ({ code: 0, out: r.stdout, err: r.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout, err: e.stderr }),
      );
      expect(run.err).not.toMatch(/Unhandled 'error' event/);
      // A failed run to retry, not a configuration error (the CLI exits 1, not 2, on it).
      expect(run.out).toMatch(/^failed: StoreConnectionError \(transient\) Postgres at DATABASE_URL .* is unavailable: the server is restarting or dropped the connection/m);
      expect(run.out).toMatch(/^alive$/m);
      expect(run.code).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
