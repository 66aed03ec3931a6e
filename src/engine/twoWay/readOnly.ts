/**
 * Read-only fields of a two-way dataset (FieldDef.readOnly: kinds Notion computes, people, files,
 * jsonb copies, a second column of one property): synced Notion → Postgres only. The plan
 * (planTwoWay.ts) never sends them to Notion and gives the row Notion's value; this module reports
 * the Postgres edits that were not written, and folds the values Notion computed in answer to our
 * own write into the entry, so the row has them in the same run and the next run has nothing to do.
 */
import type { ResolvedDataset } from '../../config/index.ts';
import type { NotionPage } from '../../connectors/notion/types.ts';
import { sameValue, type CanonicalRecord } from '../canonical.ts';
import { DELETED, type FieldChange, type TwoWayEntry } from '../planTwoWay.ts';
import type { RunResult } from '../result.ts';
import { computedValues } from './notionSide.ts';

export type ReadOnlyEditReport = NonNullable<RunResult['readOnlyEdits']>[number];

/** The Postgres edits to read-only fields in `entries`, each with the warning line that names it. */
export function readOnlyEditReports(ds: ResolvedDataset, entries: TwoWayEntry[]): Array<{ report: ReadOnlyEditReport; warning: string }> {
  const out: Array<{ report: ReadOnlyEditReport; warning: string }> = [];
  for (const e of entries) {
    for (const edit of e.readOnlyEdits ?? []) {
      const f = ds.fields.find((x) => x.field === edit.field);
      if (!f) continue;
      const reason = f.readOnly ?? 'read-only';
      const report: ReadOnlyEditReport = { recordId: e.recordId, pageId: e.pageId, field: f.field, column: f.column, property: f.property, postgres: edit.postgres, notion: edit.notion, reason };
      const why = `it is read-only in a two-way dataset ("${f.property}": ${reason})`;
      const warning = edit.create
        ? `row ${e.recordId}: column ${f.column} holds ${JSON.stringify(edit.postgres)}, but ${why}: not sent with the new page; the row takes the page's value`
        : `row ${e.recordId} (page ${e.pageId}): column ${f.column} was edited in Postgres to ${JSON.stringify(edit.postgres)}, but ${why}: not written to Notion; the row takes Notion's value ${JSON.stringify(edit.notion)} again`;
      out.push({ report, warning });
    }
  }
  return out;
}

/**
 * The entry after Notion answered our write with `page`: its read-only values become part of the
 * final value and the base, and those the row does not hold yet (`current`: the row's canonical
 * value as read) are the entry's `computed` changes, written with the row's standard columns.
 */
export function withComputed(ds: ResolvedDataset, entry: TwoWayEntry, page: NotionPage, current: CanonicalRecord | undefined): TwoWayEntry {
  if (entry.final[DELETED]) return entry;
  const values = computedValues(ds, page);
  const keys = Object.keys(values);
  if (!keys.length) return entry;
  const row = current ?? entry.final;
  const computed: FieldChange[] = keys.filter((k) => !sameValue(values[k] ?? null, row[k] ?? null)).map((k) => ({ field: k, from: row[k] ?? null, to: values[k] ?? null }));
  return { ...entry, final: { ...entry.final, ...values }, base: { ...entry.base, ...values }, ...(computed.length ? { computed } : {}) };
}
