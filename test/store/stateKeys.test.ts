/**
 * The sync_state keys are what existing databases hold: a key that changed would lose a cursor
 * (the next run reads everything), a Google sync token (a full resync) or a webhook token.
 */
import { describe, expect, it } from 'vitest';
import { stateKeys } from '../../src/store/stateKeys.ts';

describe('stateKeys', () => {
  it('builds the per-dataset keys of earlier releases', () => {
    expect(stateKeys.notionCursor('meetings')).toBe('notion_cursor_meetings');
    expect(stateKeys.notionCursor('my_recipes')).toBe('notion_cursor_my_recipes');
    expect(stateKeys.postgresCursor('tasks')).toBe('pg_cursor_tasks');
    expect(stateKeys.notionDataSource('books')).toBe('notion_data_source_books');
  });

  it('names the fixed keys of earlier releases', () => {
    expect({ ...stateKeys, notionCursor: undefined, postgresCursor: undefined, notionDataSource: undefined }).toEqual({
      notionCursor: undefined,
      postgresCursor: undefined,
      notionDataSource: undefined,
      peopleSyncToken: 'people_sync_token',
      contactsGooglePostgresCursor: 'pg_cursor_contacts_google',
      calendarSyncToken: 'calendar_sync_token',
      calendarSyncCalendarId: 'calendar_sync_calendar_id',
      gmailHistoryId: 'gmail_history_id',
      notionWebhookVerificationToken: 'notion_webhook_verification_token',
      syncLogsPrunedAt: 'sync_logs_pruned_at',
    });
  });
});
