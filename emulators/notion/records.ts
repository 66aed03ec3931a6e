/** The stored shapes of the emulated workspace, and the index upkeep every schema change needs. */
import type { RichTextItem } from './rich-text.ts';
import type { PropertySchema } from './schema.ts';

export const MINUTE = 60_000;
/** Notion rounds created/last-edited times down to the minute. */
export const truncateToMinute = (ms: number) => ms - (((ms % MINUTE) + MINUTE) % MINUTE);

export interface PageRecord {
  id: string;
  /** Creation order; the final tie-break of every sort. */
  seq: number;
  dataSourceId: string;
  createdTime: number;
  lastEditedTime: number;
  createdBy: string;
  lastEditedBy: string;
  inTrash: boolean;
  isLocked: boolean;
  isArchived: boolean;
  icon: any;
  cover: any;
  /** Stored values keyed by property id (see property-write.ts for the stored forms). */
  values: Record<string, any>;
}

export interface DataSourceRecord {
  id: string;
  databaseId: string;
  title: RichTextItem[];
  description: RichTextItem[];
  props: PropertySchema[];
  propById: Map<string, PropertySchema>;
  propByName: Map<string, PropertySchema>;
  /** Every page in creation order, trashed ones included. */
  pages: PageRecord[];
  /** Pages sorted by (created_time, seq); null when it must be rebuilt. */
  byCreated: PageRecord[] | null;
  /** Bumped by every change to this data source or its pages; query caches key on it. */
  version: number;
  createdTime: number;
  lastEditedTime: number;
  createdBy: string;
  lastEditedBy: string;
  inTrash: boolean;
  icon: any;
  uniqueCounters: Map<string, number>;
}

export interface DatabaseRecord {
  id: string;
  title: RichTextItem[];
  description: RichTextItem[];
  dataSourceIds: string[];
  parent: any;
  isInline: boolean;
  isLocked: boolean;
  inTrash: boolean;
  icon: any;
  cover: any;
  createdTime: number;
  lastEditedTime: number;
  createdBy: string;
  lastEditedBy: string;
}

export interface DatabaseInput {
  id?: string;
  dataSourceId?: string;
  title: string | RichTextItem[];
  description?: RichTextItem[];
  properties: Record<string, any>;
  parent?: any;
  isInline?: boolean;
  icon?: any;
  cover?: any;
}

export interface PageFlags {
  inTrash?: boolean;
  isLocked?: boolean;
  isArchived?: boolean;
  icon?: any;
  cover?: any;
}

export function indexProperty(ds: DataSourceRecord, prop: PropertySchema): void {
  ds.props.push(prop);
  ds.propById.set(prop.id, prop);
  ds.propByName.set(prop.name, prop);
}

export function unindexProperty(ds: DataSourceRecord, prop: PropertySchema): void {
  ds.props = ds.props.filter((p) => p !== prop);
  ds.propById.delete(prop.id);
  ds.propByName.delete(prop.name);
}

export function reindex(ds: DataSourceRecord): void {
  ds.propById = new Map(ds.props.map((p) => [p.id, p]));
  ds.propByName = new Map(ds.props.map((p) => [p.name, p]));
}
