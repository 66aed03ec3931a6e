/**
 * Every key jarvis-sync keeps in jarvis_sync.sync_state (readState/writeState), in one place.
 *
 * The strings are what existing databases hold, so they never change: a renamed key is a
 * forgotten cursor (the next run reads everything again), a forgotten Google sync token (a full
 * resync) or a forgotten webhook verification token.
 */

export const stateKeys = {
  /** A Notion dataset's cursor: the newest last_edited_time synced (ISO 8601). One-way and two-way. */
  notionCursor: <D extends string>(dataset: D) => `notion_cursor_${dataset}` as const,
  /** A two-way dataset's Postgres cursor: the newest updated_at synced (ISO 8601). */
  postgresCursor: <D extends string>(dataset: D) => `pg_cursor_${dataset}` as const,
  /**
   * The data source a dataset's configured Notion database resolved to, with its title and schema
   * (JSON: configuredId, dataSourceId, title, schema), so an incremental run needs no schema request.
   */
  notionDataSource: <D extends string>(dataset: D) => `notion_data_source_${dataset}` as const,
  /** contacts' Google step: the People API syncToken. */
  peopleSyncToken: 'people_sync_token',
  /** contacts' Google step: the newest contacts row change pushed to Google. */
  contactsGooglePostgresCursor: 'pg_cursor_contacts_google',
  /** calendar: the Calendar API syncToken, and the calendar it belongs to (a token of another calendar is not used). */
  calendarSyncToken: 'calendar_sync_token',
  calendarSyncCalendarId: 'calendar_sync_calendar_id',
  /** gmail: the historyId to read changes from. */
  gmailHistoryId: 'gmail_history_id',
  /** The token a Notion webhook subscription's handshake sent (when it is not configured). */
  notionWebhookVerificationToken: 'notion_webhook_verification_token',
  /** When sync_logs was last pruned, so that many processes prune at most hourly together. */
  syncLogsPrunedAt: 'sync_logs_pruned_at',
} as const;
