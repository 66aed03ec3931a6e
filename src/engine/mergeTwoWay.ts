/**
 * Field-level three-way merge, pure. For one record: N (Notion now), P (Postgres now) and B (the
 * base both sides agreed on at the last successful sync).
 *
 * - N = P on a field: nothing to decide. This is how our own echoes are recognised: by content.
 * - changed on one side only: that side's value — edits to different fields on the two sides both survive.
 * - changed on both sides to different values: a conflict, newer wins (the spec's rule), ties within
 *   the 5-second buffer go to the configured side (Notion by default).
 * - no base yet (first sync of an existing pair): the spec's record-level newer-wins with the buffer.
 *
 * Notion reports edit times truncated to the minute, so a Notion time t means "somewhere in
 * [t, t + 60 s)": a Postgres edit inside that interval (± the buffer) cannot be ordered and is a tie.
 */
import { sameValue, type CanonicalRecord, type CanonicalValue } from './canonical.ts';

export type Side = 'notion' | 'postgres';

export interface Conflict {
  field: string;
  notion: CanonicalValue;
  postgres: CanonicalValue;
  base: CanonicalValue | undefined;
  winner: Side;
  reason: 'newer' | 'tie' | 'first-sync' | 'owner';
}

export interface MergeInput {
  base: CanonicalRecord | null;
  notion: CanonicalRecord;
  postgres: CanonicalRecord;
  /** Notion last_edited_time (ms; minute-truncated by Notion). */
  notionEditedAt: number;
  /** Postgres updated_at (ms). */
  postgresEditedAt: number;
  keys: string[];
  bufferMs?: number;
  tieWinner?: Side;
  /**
   * Fields with an owner: the owner's value wins a conflict, and a first pairing fills each field
   * from whichever side has a value (two records found to be the same person are merged, not
   * one thrown away).
   */
  owners?: Record<string, Side>;
}

export interface MergeResult {
  merged: CanonicalRecord;
  conflicts: Conflict[];
}

const NOTION_RESOLUTION_MS = 60_000;

/** Which side's edit is newer, or the tie side when they cannot be told apart. */
export function newerSide(notionEditedAt: number, postgresEditedAt: number, bufferMs = 5_000, tieWinner: Side = 'notion'): { winner: Side; tie: boolean } {
  if (postgresEditedAt > notionEditedAt + NOTION_RESOLUTION_MS + bufferMs) return { winner: 'postgres', tie: false };
  if (postgresEditedAt < notionEditedAt - bufferMs) return { winner: 'notion', tie: false };
  return { winner: tieWinner, tie: true };
}

export function mergeTwoWay(input: MergeInput): MergeResult {
  const { base, notion: n, postgres: p, keys } = input;
  const order = newerSide(input.notionEditedAt, input.postgresEditedAt, input.bufferMs, input.tieWinner);
  const merged: CanonicalRecord = {};
  const conflicts: Conflict[] = [];

  const owners = input.owners;
  if (!base && owners) {
    for (const k of keys) {
      const nv = n[k] ?? null;
      const pv = p[k] ?? null;
      if (sameValue(nv, pv) || isEmpty(pv)) merged[k] = nv;
      else if (isEmpty(nv)) merged[k] = pv;
      else {
        const winner = owners[k] ?? order.winner;
        merged[k] = winner === 'notion' ? nv : pv;
        conflicts.push({ field: k, notion: nv, postgres: pv, base: undefined, winner, reason: owners[k] ? 'owner' : 'first-sync' });
      }
    }
    return { merged, conflicts };
  }

  if (!base) {
    const winner = order.winner === 'notion' ? n : p;
    for (const k of keys) {
      const nv = n[k] ?? null;
      const pv = p[k] ?? null;
      merged[k] = winner[k] ?? null;
      if (!sameValue(nv, pv)) conflicts.push({ field: k, notion: nv, postgres: pv, base: undefined, winner: order.winner, reason: 'first-sync' });
    }
    return { merged, conflicts };
  }

  for (const k of keys) {
    const nv = n[k] ?? null;
    const pv = p[k] ?? null;
    const bv = base[k] ?? null;
    if (sameValue(nv, pv)) merged[k] = nv;
    else if (sameValue(nv, bv)) merged[k] = pv;
    else if (sameValue(pv, bv)) merged[k] = nv;
    else {
      const owner = owners?.[k];
      const winner = owner ?? order.winner;
      merged[k] = winner === 'notion' ? nv : pv;
      conflicts.push({ field: k, notion: nv, postgres: pv, base: bv, winner, reason: owner ? 'owner' : order.tie ? 'tie' : 'newer' });
    }
  }
  return { merged, conflicts };
}

function isEmpty(v: CanonicalValue): boolean {
  return v === null || v === '' || v === false || (Array.isArray(v) && v.length === 0);
}
