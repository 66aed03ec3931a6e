import type { DatasetDescriptor } from './types.ts';

/** Gmail message metadata → Postgres, one-way (no bodies). */
export const gmail: DatasetDescriptor = {
  name: 'gmail',
  table: 'emails',
  pattern: 'gmail',
  databaseIdEnv: '',
  fields: [],
  /** What engine/google/gmailRows.ts writes (EMAIL_COLUMNS), keyed by gmail_message_id. */
  extraColumns: [
    { column: 'gmail_message_id', columnType: 'text' },
    { column: 'thread_id', columnType: 'text' },
    { column: 'from_address', columnType: 'text' },
    { column: 'to_addresses', columnType: 'text[]' },
    { column: 'cc_addresses', columnType: 'text[]' },
    { column: 'subject', columnType: 'text' },
    { column: 'snippet', columnType: 'text' },
    { column: 'label_ids', columnType: 'text[]' },
    { column: 'sent_at', columnType: 'timestamptz' },
    { column: 'contact_ids', columnType: 'uuid[]' },
    { column: 'history_id', columnType: 'text' },
  ],
  indexes: [{ on: 'gmail_message_id', unique: true }, { on: 'sent_at' }, { on: 'thread_id' }],
};
