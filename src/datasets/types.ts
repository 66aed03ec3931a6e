import type { NotionKind } from './fieldKinds.ts';
import type { ColumnType } from '../store/types.ts';

/** Notion property types a dataset field can map to: every kind of src/datasets/fieldKinds.ts. */
export type FieldKind = NotionKind;

/**
 * One field of a dataset, declared once and used in both directions:
 * Notion property (name, type) ⇄ canonical value ⇄ Postgres column.
 */
export interface FieldDef {
  /** Canonical field name; also the default column name. */
  field: string;
  /** Notion property name (overridable in config). */
  property: string;
  kind: FieldKind;
  /** Postgres column (overridable in config). */
  column: string;
  columnType: ColumnType;
  /** Relation fields: the dataset whose rows the related pages are. One id (uuid column) or many (uuid[]). */
  relation?: { dataset: string };
  /** Date fields: optional column receiving the date's end. */
  endColumn?: string;
  /**
   * The column is an array (e.g. contacts.emails) and Notion holds only its first element (the
   * primary). Writing from Notion replaces the first element and keeps the others.
   */
  primaryOfArray?: boolean;
  /**
   * Which system owns the field when both sides changed it (contacts: Google owns emails and
   * phones, Notion owns company, notes and tags). Unset: the newer edit wins.
   */
  owner?: 'notion' | 'google';
  /**
   * Defined in the config file (`datasets.<name>.fields`): read through the kind table
   * (fieldKinds.ts), dates as their start. Built-in fields keep their own reading (date ranges).
   */
  configured?: boolean;
  /** The property's id in the data source, when its schema was read: a rename keeps it, so drift can say "renamed to …". */
  propertyId?: string;
  /**
   * In a two-way dataset: synced Notion → Postgres only, never written to Notion, and why (a kind
   * Notion computes, people, files, a jsonb column, a second column of one property). A Postgres
   * edit to it is reported and the row takes Notion's value again (src/datasets/fromConfig.ts).
   */
  readOnly?: string;
  /** How the value is kept, when the column does not say it (the README's dataset table). */
  note?: string;
}

/** A field from the config file before the data source's schema says what kind it is. */
export interface ConfigField {
  /** The key in the config: the column, and the field's name. */
  column: string;
  property: string;
  /** The config's `type`, overriding the column type the kind implies. */
  type?: ColumnType;
}

/**
 * A column the dataset keeps besides its fields' columns and the standard ones (id, notion_page_id,
 * …): Google's ids and the values derived from Google's records. Not renamable in the config.
 */
export interface ColumnDef {
  column: string;
  columnType: ColumnType;
  /** How the value is kept, when the column does not say it (the README's dataset table). */
  note?: string;
}

/**
 * A one-column index besides the standard ones (unique notion_page_id, updated_at). `on` names a
 * field (its column follows config renames) or an extra column. Named like the hand-written
 * migrations did: `<table>_<column>_key` when unique, else `<table>_<column>_idx`.
 */
export interface IndexDef {
  on: string;
  unique?: boolean;
  /** Index method; default btree. */
  using?: 'gin';
}

/** one-way / two-way: Notion ⇄ Postgres; calendar / gmail: Google → Postgres. */
export type SyncPattern = 'one-way' | 'two-way' | 'calendar' | 'gmail';

export interface DatasetDescriptor {
  name: string;
  table: string;
  pattern: SyncPattern;
  fields: FieldDef[];
  /** Environment variable holding the Notion database (or data source) id; Google datasets have none. */
  databaseIdEnv: string;
  /** Contacts: also synced with Google (People API) when Google is configured. */
  google?: 'people';
  /** Notion rich_text property remembering the Postgres row id (two-way datasets). */
  rowIdProperty?: string;
  /**
   * Before creating a row for a new page, look for an unlinked row with the same value of these
   * fields (normalized email, then E.164 phone): the same person never becomes two records.
   */
  matchUnlinkedBy?: string[];
  /** Columns besides the fields' and the standard ones, in table order after the fields' (src/store/datasetTables.ts). */
  extraColumns?: ColumnDef[];
  /**
   * The extra column holding Google's id of a record, by its default name (a config rename of it is
   * in columnNames): unique, and what Google's rows are written by (calendar, gmail).
   */
  key?: string;
  /** Indexes besides the standard ones. */
  indexes?: IndexDef[];
  /**
   * Fields from the config file (`datasets.<name>.fields`), resolved into `fields` once the data
   * source's schema is known (src/datasets/fromConfig.ts); until then only those with a `type`
   * have a column in the table.
   */
  configFields?: ConfigField[];
  /** Defined in the config file rather than built in. */
  userDefined?: boolean;
  /** For the README's dataset table (scripts/datasetsTable.ts), what the fields and columns do not say. */
  doc?: {
    /** What one row is, when not a Notion page: "each event (recurring events as their instances)". */
    rows?: string;
    /** Besides the pattern, what the dataset keeps or leaves out: "metadata only, never bodies". */
    scope?: string;
    /** What sets deleted_at, when not a page moved to the trash: "cancelled". */
    deletes?: string;
  };
}
