import type { DatasetDescriptor } from './types.ts';

/** Gmail message metadata → Postgres, one-way (no bodies). */
export const gmail: DatasetDescriptor = {
  name: 'gmail',
  table: 'emails',
  pattern: 'gmail',
  databaseIdEnv: '',
  fields: [],
};
