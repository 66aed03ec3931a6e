import { readState, writeState } from '../store/index.ts';
import type { Sql } from '../store/types.ts';

/** sync_state key of a dataset's Notion cursor (the newest last_edited_time synced). */
export const notionCursorKey = (dataset: string) => `notion_cursor_${dataset}`;

export async function readCursor(sql: Sql, dataset: string): Promise<string | null> {
  return readState(sql, notionCursorKey(dataset));
}

export async function writeCursor(sql: Sql, dataset: string, value: string): Promise<void> {
  await writeState(sql, notionCursorKey(dataset), value);
}
