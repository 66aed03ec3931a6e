/**
 * The one-way plan (Notion → Postgres), pure. Given what Notion says now and what Postgres holds,
 * decide per record: create, update (which fields), restore, or nothing.
 */
import { changedFields, type CanonicalRecord } from './canonical.ts';

export interface SourceRecord {
  key: string; // notion page id
  editedAt: string;
  record: CanonicalRecord;
}

export interface TargetRecord {
  id: string;
  record: CanonicalRecord;
  deletedAt: string | null;
}

export type PlanEntry =
  | { action: 'create'; key: string; record: CanonicalRecord }
  | { action: 'update'; key: string; id: string; record: CanonicalRecord; fields: Array<{ field: string; from: unknown; to: unknown }>; restore: boolean }
  | { action: 'delete'; key: string; id: string };

export interface OneWayPlan {
  entries: PlanEntry[];
  unchanged: number;
}

export function planOneWay(sources: Iterable<SourceRecord>, targets: Map<string, TargetRecord>): OneWayPlan {
  const entries: PlanEntry[] = [];
  let unchanged = 0;
  for (const s of sources) {
    const t = targets.get(s.key);
    if (!t) {
      entries.push({ action: 'create', key: s.key, record: s.record });
      continue;
    }
    const fields = changedFields(t.record, s.record).map((field) => ({ field, from: t.record[field] ?? null, to: s.record[field] ?? null }));
    const restore = t.deletedAt !== null;
    if (fields.length === 0 && !restore) {
      unchanged++;
      continue;
    }
    entries.push({ action: 'update', key: s.key, id: t.id, record: s.record, fields, restore });
  }
  return { entries, unchanged };
}
