/**
 * Incremental cursors over Notion's last_edited_time. Notion truncates timestamps to the minute,
 * so a read starts `overlap` before the cursor (on_or_after) and records are compared by content.
 * Pure; the cursor is stored in sync_state (stateKeys.notionCursor, src/store/stateKeys.ts).
 */

/** Start of the incremental window. */
export function windowStart(cursor: string, overlapSeconds: number): string {
  return new Date(new Date(cursor).getTime() - overlapSeconds * 1000).toISOString();
}

/**
 * The next cursor: the newest edit time synced, but never past a record that failed — its edit
 * time bounds the cursor so the next run reads it again (besides the explicit retry list).
 */
export function nextCursor(previous: string | null, syncedEditTimes: string[], failedEditTimes: string[], fallback: string, now?: string): string | null {
  let next = previous;
  for (const t of syncedEditTimes) if (!next || t > next) next = t;
  for (const t of failedEditTimes) if (next && t < next) next = t;
  // A timestamp from the future (imported data, clock skew) must not push the cursor past edits
  // that are about to happen; re-reading a little is cheap, missing an edit is not.
  if (next && now && next > now) next = now;
  return next ?? fallback;
}
