import type { DatasetDescriptor } from './types.ts';

/**
 * Contacts, Notion ⇄ Postgres side (Google joins as the third party later). Notion holds the
 * primary email and phone; Postgres keeps every address, primary first. Field owners decide
 * conflicts: Google's emails and phones arrive through Postgres, so in this leg Postgres wins them.
 */
export const contacts: DatasetDescriptor = {
  name: 'contacts',
  table: 'contacts',
  pattern: 'two-way',
  databaseIdEnv: 'NOTION_CONTACTS_DATABASE_ID',
  rowIdProperty: 'Supabase ID',
  matchUnlinkedBy: ['email', 'phone'],
  google: 'people',
  fields: [
    { field: 'name', property: 'Name', kind: 'title', column: 'name', columnType: 'text' },
    { field: 'email', property: 'Email', kind: 'email', column: 'emails', columnType: 'text[]', primaryOfArray: true, owner: 'google' },
    { field: 'phone', property: 'Phone', kind: 'phone_number', column: 'phones', columnType: 'text[]', primaryOfArray: true, owner: 'google' },
    { field: 'company', property: 'Company', kind: 'rich_text', column: 'company', columnType: 'text', owner: 'notion' },
    { field: 'notes', property: 'Notes', kind: 'rich_text', column: 'notes', columnType: 'text', owner: 'notion' },
    { field: 'tags', property: 'Tags', kind: 'multi_select', column: 'tags', columnType: 'text[]', owner: 'notion' },
  ],
  /** The Google People side: the contact's resource name (its id), etag and last change. */
  extraColumns: [
    { column: 'google_resource_name', columnType: 'text' },
    { column: 'google_etag', columnType: 'text' },
    { column: 'google_updated_at', columnType: 'timestamptz' },
  ],
  indexes: [
    { on: 'google_resource_name', unique: true },
    // contacts are matched across sources by email before a new one is created
    { on: 'email', using: 'gin' },
  ],
};
