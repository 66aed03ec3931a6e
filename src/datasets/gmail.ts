import { defineDataset } from './define.ts';

/** Gmail message metadata → Postgres, one-way: what engine/google/gmailRows.ts makes of a message, keyed by its id. */
export const gmail = defineDataset({
  name: 'gmail',
  table: 'emails',
  source: { google: 'gmail' },
  columns: {
    gmail_message_id: 'text',
    thread_id: 'text',
    from_address: { type: 'text', note: 'the address only, lower-case' },
    to_addresses: { type: 'text[]', note: 'likewise' },
    cc_addresses: { type: 'text[]', note: 'likewise' },
    subject: 'text',
    snippet: 'text',
    label_ids: 'text[]',
    sent_at: 'timestamptz',
    contact_ids: { type: 'uuid[]', note: 'the contacts with those addresses' },
    history_id: 'text',
  },
  key: 'gmail_message_id',
  indexes: ['sent_at', 'thread_id'],
  doc: { rows: 'each message', scope: 'metadata only, never bodies', deletes: 'deleted from the mailbox (moving to the trash is a label)' },
});
