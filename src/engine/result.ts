import type { Conflict } from './mergeTwoWay.ts';
import type { PlanEntry } from './planOneWay.ts';
import type { TwoWayEntry } from './planTwoWay.ts';

export interface WriteCounts {
  created: number;
  updated: number;
  deleted: number;
  restored: number;
}

export type RunStatus = 'success' | 'error' | 'aborted' | 'locked' | 'skipped';

export interface RecordError {
  key: string;
  /** What `key` is: a Postgres row id or a Notion page id (unset: another id, such as Google's). */
  keyIs?: 'record_id' | 'notion_page_id';
  error: string;
  kind?: string;
}

/** What one dataset run did: the summary the CLI prints, `--json` emits and sync_logs records. */
export interface RunResult {
  dataset: string;
  status: RunStatus;
  mode: 'full' | 'incremental';
  dryRun: boolean;
  created: number;
  updated: number;
  deleted: number;
  restored: number;
  unchanged: number;
  /** Records that could not be read (malformed) or written; each is in `errors`. */
  skipped: number;
  errors: RecordError[];
  warnings: string[];
  notionRequests: number;
  googleRequests: number;
  durationMs: number;
  message: string;
  /**
   * Why the run as a whole failed or stopped (an exception, a lost lease, a valve), with what to do
   * where the error says it; unset when it ran to the end (record errors are in `errors`).
   */
  failure?: string;
  /** Dry runs: what would be done. */
  plan?: Array<PlanEntry | TwoWayEntry>;
  /** Two-way runs: fields changed on both sides, with both values and the winner. */
  conflicts?: Array<Conflict & { recordId: string | null; pageId: string | null }>;
  /** Rows this run changed in Postgres (contacts' Google step: what the next step carries to Notion). */
  changedRecordIds?: string[];
  /** Two-way runs and `relink`: lost links rebuilt before planning (see src/engine/relink/planRelink.ts). */
  relinked?: Array<{ recordId: string; pageId: string; source: 'sync_links' | 'row_id' | 'email' | 'phone' }>;
  /** Links that could not be rebuilt unambiguously: reported (also in `warnings`), their records held back from creates. */
  ambiguousLinks?: Array<{ reason: string; recordIds: string[]; pageIds: string[] }>;
  /**
   * Two-way runs: Postgres edits to read-only fields (computed by Notion, people, files, jsonb
   * copies), not written to Notion; the row takes Notion's value again. Each is also a warning.
   */
  readOnlyEdits?: Array<{ recordId: string | null; pageId: string | null; field: string; column: string; property: string; postgres: unknown; notion: unknown; reason: string }>;
  /** Two-way runs: writes per destination. */
  writes?: { notion: WriteCounts; postgres: WriteCounts };
}

export function emptyResult(dataset: string, mode: 'full' | 'incremental', dryRun: boolean): RunResult {
  return {
    dataset,
    status: 'success',
    mode,
    dryRun,
    created: 0,
    updated: 0,
    deleted: 0,
    restored: 0,
    unchanged: 0,
    skipped: 0,
    errors: [],
    warnings: [],
    notionRequests: 0,
    googleRequests: 0,
    durationMs: 0,
    message: '',
  };
}

export function summarize(r: RunResult): string {
  if (r.status === 'skipped' || r.status === 'locked' || r.status === 'aborted') return `${r.dataset}: ${r.status} — ${r.message}`;
  const verb = r.dryRun ? 'would be ' : '';
  return (
    `${r.dataset}: ${r.mode}${r.dryRun ? ' (dry run)' : ''} — ${r.created} ${verb}created, ${r.updated} ${verb}updated, ` +
    `${r.deleted} ${verb}deleted, ${r.restored} ${verb}restored, ${r.unchanged} unchanged, ${r.errors.length} errors, ` +
    `${r.googleRequests ? `${r.googleRequests} Google requests` : `${r.notionRequests} Notion requests`}, ${(r.durationMs / 1000).toFixed(1)} s`
  );
}

/** The `--json` shape (CLI) and the HTTP API's run summary: stable snake_case keys a script can rely on. */
export function resultsToJson(results: RunResult[]) {
  const ok = results.every((r) => r.status === 'success' || r.status === 'skipped');
  return {
    status: ok ? 'success' : 'error',
    notion_requests: results.reduce((n, r) => n + r.notionRequests, 0),
    google_requests: results.reduce((n, r) => n + r.googleRequests, 0),
    datasets: results.map((r) => ({
      dataset: r.dataset,
      status: r.status,
      mode: r.mode,
      dry_run: r.dryRun,
      created: r.created,
      updated: r.updated,
      deleted: r.deleted,
      restored: r.restored,
      unchanged: r.unchanged,
      skipped: r.skipped,
      errors: r.errors.length,
      notion_requests: r.notionRequests,
      google_requests: r.googleRequests,
      duration_ms: r.durationMs,
      message: r.message,
      ...(r.errors.length ? { error_details: r.errors.slice(0, 50) } : {}),
      ...(r.writes ? { writes: r.writes } : {}),
      ...(r.conflicts ? { conflicts: r.conflicts } : {}),
      ...(r.readOnlyEdits ? { read_only_edits: r.readOnlyEdits.map((x) => ({ record_id: x.recordId, notion_page_id: x.pageId, field: x.field, column: x.column, property: x.property, postgres_value: x.postgres, notion_value: x.notion, reason: x.reason })) } : {}),
      ...(r.relinked ? { relinked: r.relinked.map((l) => ({ record_id: l.recordId, notion_page_id: l.pageId, source: l.source })) } : {}),
      ...(r.ambiguousLinks ? { ambiguous_links: r.ambiguousLinks.map((a) => ({ reason: a.reason, record_ids: a.recordIds, notion_page_ids: a.pageIds })) } : {}),
      ...(r.plan ? { plan: r.plan } : {}),
    })),
  };
}
