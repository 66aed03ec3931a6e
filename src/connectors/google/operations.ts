/**
 * The operations the connector performs, as data: which API each belongs to and how it may be
 * retried. Error normalization (history 404 → sync_token_expired, mayHaveCommitted) and the retry
 * policy both read this table, so the nature of an operation is stated exactly once.
 */
import type { GoogleApi } from './types.ts';

/**
 * read: lists and gets — repeating them is harmless.
 * idempotent_write: sending it twice leaves the same state as once (deleteContact).
 * guarded_write: an update guarded by an etag (updateContact). A repeat after a lost response
 *   would fail on the etag it has itself consumed, so it is not repeated blindly: the caller
 *   re-reads the person instead.
 * create: not idempotent (createContact): a repeat after a lost response makes a duplicate.
 */
export type RequestKind = 'read' | 'idempotent_write' | 'guarded_write' | 'create';

export interface OperationInfo {
  api: Exclude<GoogleApi, 'oauth'>;
  kind: RequestKind;
}

export const OPERATIONS = {
  'calendar.events.list': { api: 'calendar', kind: 'read' },
  'gmail.users.getProfile': { api: 'gmail', kind: 'read' },
  'gmail.users.messages.list': { api: 'gmail', kind: 'read' },
  'gmail.users.messages.get': { api: 'gmail', kind: 'read' },
  'gmail.users.history.list': { api: 'gmail', kind: 'read' },
  'people.connections.list': { api: 'people', kind: 'read' },
  'people.get': { api: 'people', kind: 'read' },
  'people.createContact': { api: 'people', kind: 'create' },
  'people.updateContact': { api: 'people', kind: 'guarded_write' },
  'people.deleteContact': { api: 'people', kind: 'idempotent_write' },
} as const satisfies Record<string, OperationInfo>;

export type GoogleOperation = keyof typeof OPERATIONS;

/** A failure of these kinds after the request was sent may mean Google applied it anyway. */
export function isNonIdempotent(kind: RequestKind): boolean {
  return kind === 'create' || kind === 'guarded_write';
}
