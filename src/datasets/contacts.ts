import { defineDataset } from './define.ts';

/**
 * Contacts, three-way: Notion ⇄ Postgres, and Google's People through Postgres when Google is
 * configured. Notion holds the primary email and phone; Postgres keeps every address, primary
 * first. Field owners decide conflicts: Google's emails and phones arrive through Postgres, so in
 * the Notion leg Postgres wins them.
 */
export const contacts = defineDataset({
  name: 'contacts',
  table: 'contacts',
  source: { notion: 'two-way', google: 'people' },
  fields: {
    name: { property: 'Name', kind: 'title' },
    email: { property: 'Email', kind: 'email', column: 'emails', type: 'text[]', primaryOfArray: true, owner: 'google', note: 'the primary, its first element; other addresses stay in Postgres' },
    phone: { property: 'Phone', kind: 'phone_number', column: 'phones', type: 'text[]', primaryOfArray: true, owner: 'google', note: 'likewise' },
    company: { property: 'Company', kind: 'rich_text', owner: 'notion' },
    notes: { property: 'Notes', kind: 'rich_text', owner: 'notion' },
    tags: { property: 'Tags', kind: 'multi_select', owner: 'notion' },
  },
  /** The Google People side: the contact's resource name (its id), etag and last change. */
  columns: {
    google_resource_name: { type: 'text', note: "the Google contact's People resource name" },
    google_etag: 'text',
    google_updated_at: 'timestamptz',
  },
  key: 'google_resource_name',
  // contacts are matched across sources by email before a new one is created
  indexes: [{ on: 'email', using: 'gin' }],
  matchUnlinkedBy: ['email', 'phone'],
});
