/**
 * Contacts' Google link (`google_resource_name`), rebuilt from the Google step's ledger
 * (sync_links under `contacts_google`) by the same rule as the Notion links (planRelink): a
 * resource name another row holds now is reported, not moved. The Google step matches what is
 * left by email and phone itself (src/engine/google/runContactsGoogle.ts).
 */
import type { ResolvedDataset } from '../../config/index.ts';
import { chunks, recordset } from '../../store/batch.ts';
import { quoteIdent, readLinks } from '../../store/index.ts';
import { OWN_WRITE } from '../../store/rowChanges.ts';
import type { Sql } from '../../store/types.ts';
import { planRelink, type RelinkAmbiguity } from './planRelink.ts';

/** The ledger name of the contacts Google step. */
const GOOGLE_LEG = 'contacts_google';

export async function relinkGoogle(store: Sql, ds: ResolvedDataset, dryRun: boolean): Promise<{ restored: number; ambiguities: RelinkAmbiguity[] }> {
  const table = quoteIdent(ds.table);
  const { rows } = await store.query<{ id: string; google_resource_name: string | null; deleted_at: Date | null }>(`SELECT id::text AS id, google_resource_name, deleted_at FROM ${table}`);
  const unlinked = rows.filter((r) => !r.google_resource_name).map((r) => r.id);
  const links = await readLinks(store, GOOGLE_LEG, unlinked);
  const plan = planRelink({
    rows: rows.map((r) => ({ id: r.id, notionPageId: r.google_resource_name, deleted: r.deleted_at !== null })),
    ledgerPages: new Map([...links.values()].filter((l) => l.googleId).map((l) => [l.recordId, l.googleId!])),
    pages: [],
    naturalKeys: false,
  });
  if (!dryRun && plan.restores.length) {
    await store.transaction(async (tx) => {
      for (const chunk of chunks(plan.restores)) {
        await tx.query(
        `UPDATE ${table} AS t SET google_resource_name = x.google_resource_name FROM ${recordset({ id: 'uuid', google_resource_name: 'text' })} WHERE t.id = x.id AND t.google_resource_name IS NULL AND ${OWN_WRITE}`,
          [JSON.stringify(chunk.map((r) => ({ id: r.recordId, google_resource_name: r.pageId })))],
        );
      }
    });
  }
  // The planner speaks of pages; here they are Google contacts.
  const ambiguities = plan.ambiguities.map((a) => ({ ...a, reason: `Google: ${a.reason.replace(/\bpage\b/g, 'Google contact').replace('notion_page_id', 'google_resource_name')}` }));
  return { restored: plan.restores.length, ambiguities };
}
