/** sync_state: small named values that must survive restarts (sync tokens, cursors). */
import type { Sql } from './types.ts';

export async function readState(sql: Sql, key: string): Promise<string | null> {
  const { rows } = await sql.query<{ value: string | null }>('SELECT value FROM jarvis_sync.sync_state WHERE key = $1', [key]);
  return rows[0]?.value ?? null;
}

export async function writeState(sql: Sql, key: string, value: string | null): Promise<void> {
  await sql.query(
    `INSERT INTO jarvis_sync.sync_state (key, value, updated_at) VALUES ($1, $2, now())
     ON CONFLICT (key) DO UPDATE SET value = excluded.value, updated_at = now()`,
    [key, value],
  );
}

/** Forgets a value, e.g. an expired Google sync token before the full resync it demands. */
export async function deleteState(sql: Sql, key: string): Promise<void> {
  await sql.query('DELETE FROM jarvis_sync.sync_state WHERE key = $1', [key]);
}
