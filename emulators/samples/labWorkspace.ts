/**
 * A sample workspace with a property of every kind Notion has, for the benchmarks and tests of
 * datasets defined in the config (issue 14: "the bench's corpus covers them"): a "Lab" database of
 * N pages with title, rich_text, number, select, multi_select, status, date (with an end and a time
 * zone), people, files (external and Notion-hosted), checkbox, url, email, phone_number, formulas
 * of each result type (number, string, boolean, date), a relation to a "Parts" database that goes
 * past Notion's 25 references on every `longRelationEvery`-th page, rollups of each result type
 * over it (number: sum; date: earliest_date; array: show_original), created_time, created_by,
 * last_edited_time, last_edited_by, unique_id, verification, place, a button (holds no value: not
 * mappable) and the two-way row-id property (`Supabase ID`, empty).
 *
 * Two mappings come with it: LAB_FIELDS_20, the 20 fields of mixed kinds the bench asks
 * for, and LAB_FIELDS_EVERY_KIND, one field per kind and result type (28). Same options, same
 * workspace (ids derive from names).
 */
import { DEFAULT_PERSON_ID } from '../notion/index.ts';
import type { SeedFile } from '../notion/types.ts';
import { ROW_ID_PROPERTY, stableUuid } from './notionWorkspace.ts';

export interface LabSampleOptions {
  /** Pages of each Lab database (default 1,000). */
  pages?: number;
  /** Every n-th page (from the first) relates to 30 parts, past Notion's 25; the others to 0–3 (default 1,000). */
  longRelationEvery?: number;
  /** How many Lab databases, each with the same pages under its own ids (default 1): one per dataset that syncs it. */
  databases?: number;
}

/** Parts the relation points at (a database that is not synced: the relation column holds page ids). */
export const LAB_PARTS = 40;
/** References on a long relation: past Notion's 25, under one property-item page of 100. */
export const LAB_LONG_RELATION = 30;

/** column → property (and type where the default would not do): 20 fields of mixed kinds. */
export const LAB_FIELDS_20: Record<string, { property: string; type?: string }> = {
  name: { property: 'Name' }, // title
  notes: { property: 'Notes' }, // rich_text
  amount: { property: 'Amount' }, // number
  choice: { property: 'Choice' }, // select
  tags: { property: 'Tags' }, // multi_select
  stage: { property: 'Stage' }, // status
  due: { property: 'When' }, // date with end and time zone
  owners: { property: 'Owners' }, // people
  docs: { property: 'Docs' }, // files
  done: { property: 'Done' }, // checkbox
  link: { property: 'Link' }, // url
  mail: { property: 'Mail' }, // email
  double_amount: { property: 'Double', type: 'numeric' }, // formula → number
  label: { property: 'Label' }, // formula → string
  part_ids: { property: 'Parts' }, // relation, past 25 on some pages
  part_weight: { property: 'Weight' }, // rollup → number
  first_arrival: { property: 'First arrival' }, // rollup → date
  part_names: { property: 'Part names' }, // rollup → array
  code: { property: 'Code' }, // unique_id
  edited: { property: 'Edited' }, // last_edited_time
};

/** One field per kind and result type the README's table documents (every kind but the button). */
export const LAB_FIELDS_EVERY_KIND: Record<string, { property: string; type?: string }> = {
  ...LAB_FIELDS_20,
  phone: { property: 'Phone' }, // phone_number
  big: { property: 'Big', type: 'boolean' }, // formula → boolean
  follow_up: { property: 'Follow-up', type: 'timestamptz' }, // formula → date
  created: { property: 'Created' }, // created_time
  created_by: { property: 'Creator' }, // created_by
  edited_by: { property: 'Editor' }, // last_edited_by
  checked: { property: 'Check' }, // verification
  spot: { property: 'Spot' }, // place
};

/** Mapped relation and rollup properties that cost property-item requests on a page whose relation goes past 25. */
export const LAB_LONG_PROPERTIES = ['Parts', 'Weight', 'First arrival', 'Part names'];

const CHOICES = ['Alpha', 'Beta', 'Gamma'];
const TAGS = ['red', 'green', 'blue', 'amber', 'violet'];
const STATUSES = ['Not started', 'In progress', 'Done'];
const ZONES = ['Europe/London', 'America/New_York', 'Asia/Tokyo'];
const text = (content: string) => [{ text: { content } }];
const pad = (n: number) => String(n).padStart(2, '0');

export function labPartId(i: number): string {
  return stableUuid(`lab-part:${i}`);
}

export function labPageId(database: number, i: number): string {
  return stableUuid(`lab:${database}:${i}`);
}

/** How many references page `i`'s relation holds. */
export function labRelationSize(i: number, longRelationEvery: number): number {
  return i % longRelationEvery === 0 ? LAB_LONG_RELATION : i % 4;
}

export function sampleLabWorkspace(opts: LabSampleOptions = {}) {
  const pages = opts.pages ?? 1000;
  const longEvery = opts.longRelationEvery ?? 1000;
  const databases = opts.databases ?? 1;
  const ids = {
    partsDatabase: stableUuid('db:lab-parts'),
    partsDataSource: stableUuid('ds:lab-parts'),
    labDatabases: Array.from({ length: databases }, (_, d) => stableUuid(`db:lab:${d}`)),
    labDataSources: Array.from({ length: databases }, (_, d) => stableUuid(`ds:lab:${d}`)),
  };
  const parts = Array.from({ length: LAB_PARTS }, (_, i) => ({
    id: labPartId(i),
    created_time: new Date(Date.UTC(2024, 11, 1) + i * 60_000).toISOString(),
    properties: {
      Name: { title: text(`Part ${i + 1}`) },
      Weight: { number: Number((i * 1.25 + 0.5).toFixed(2)) },
      Arrived: { date: { start: `2024-${pad((i % 12) + 1)}-${pad((i % 28) + 1)}` } },
    },
  }));
  const labPage = (d: number, i: number) => {
    const day = `2026-${pad((i % 12) + 1)}-${pad((i % 28) + 1)}`;
    const when =
      i % 3 === 0
        ? { start: `${day}T09:30:00`, end: `${day}T11:00:00`, time_zone: ZONES[i % ZONES.length] }
        : i % 3 === 1
          ? { start: day }
          : null;
    const related = labRelationSize(i, longEvery);
    return {
      id: labPageId(d, i),
      // A minute apart from a fixed past date: never in the future, even at 100k pages.
      created_time: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
      properties: {
        Name: { title: text(`Experiment ${i + 1}`) },
        Notes: { rich_text: i % 4 === 3 ? [] : [{ text: { content: `Run ${i} ` } }, { text: { content: 'checked' }, annotations: { bold: true } }, { text: { content: ' — ok ✓' } }] },
        Amount: { number: i % 10 === 9 ? null : Number(((i * 37) % 1000 + (i % 7) / 8).toFixed(3)) },
        Choice: { select: i % 5 === 4 ? null : { name: CHOICES[i % CHOICES.length] } },
        Tags: { multi_select: Array.from({ length: i % 3 }, (_, k) => ({ name: TAGS[(i + k * 2) % TAGS.length] })) },
        Stage: { status: { name: STATUSES[i % STATUSES.length] } },
        When: { date: when },
        Owners: { people: i % 3 === 2 ? [] : [{ id: DEFAULT_PERSON_ID }] },
        Docs: {
          files:
            i % 5 === 0
              ? [{ name: `report-${i}.pdf`, external: { url: `https://files.example.org/report-${i}.pdf` } }, { name: `photo-${i}.jpg`, file_upload: { id: `upload-${i}` } }]
              : i % 5 === 1
                ? [{ name: `sheet-${i}.csv`, external: { url: `https://files.example.org/sheet-${i}.csv` } }]
                : [],
        },
        Done: { checkbox: i % 2 === 0 },
        Link: { url: i % 6 === 5 ? null : `https://lab.example.org/experiments/${i}` },
        Mail: { email: i % 6 === 4 ? null : `lab${i % 50}@example.org` },
        Phone: { phone_number: i % 6 === 3 ? null : `+44 20 7946 ${String(i % 10000).padStart(4, '0')}` },
        Parts: { relation: Array.from({ length: related }, (_, k) => ({ id: labPartId((i + k) % LAB_PARTS) })) },
        // Unset: unverified (Notion takes no null here).
        Check: i % 2 === 1 ? { verification: { state: 'verified', date: { start: day } } } : undefined,
        Spot: { place: i % 7 === 0 ? { lat: 51.5 + (i % 100) / 1000, lon: -0.12, name: `Site ${i % 100}`, address: 'London' } : null },
      },
    };
  };
  const labSchema = {
    Name: { type: 'title' },
    Notes: { type: 'rich_text' },
    Amount: { type: 'number', number: {} },
    Choice: { type: 'select', select: { options: CHOICES.map((name) => ({ name })) } },
    Tags: { type: 'multi_select', multi_select: { options: TAGS.map((name) => ({ name })) } },
    Stage: { type: 'status', status: { options: STATUSES.map((name) => ({ name })) } },
    When: { type: 'date' },
    Owners: { type: 'people' },
    Docs: { type: 'files' },
    Done: { type: 'checkbox' },
    Link: { type: 'url' },
    Mail: { type: 'email' },
    Phone: { type: 'phone_number' },
    Double: { type: 'formula', formula: { expression: 'prop("Amount") * 2' } },
    Label: { type: 'formula', formula: { expression: 'prop("Name") + " (" + prop("Stage") + ")"' } },
    Big: { type: 'formula', formula: { expression: 'prop("Amount") > 500' } },
    'Follow-up': { type: 'formula', formula: { expression: 'dateAdd(prop("When"), 7, "days")' } },
    Parts: { type: 'relation', relation: { data_source_id: ids.partsDataSource } },
    Weight: { type: 'rollup', rollup: { relation_property_name: 'Parts', rollup_property_name: 'Weight', function: 'sum' } },
    'First arrival': { type: 'rollup', rollup: { relation_property_name: 'Parts', rollup_property_name: 'Arrived', function: 'earliest_date' } },
    'Part names': { type: 'rollup', rollup: { relation_property_name: 'Parts', rollup_property_name: 'Name', function: 'show_original' } },
    Created: { type: 'created_time' },
    Creator: { type: 'created_by' },
    Edited: { type: 'last_edited_time' },
    Editor: { type: 'last_edited_by' },
    Code: { type: 'unique_id', unique_id: { prefix: 'LAB' } },
    Check: { type: 'verification' },
    Spot: { type: 'place' },
    Start: { type: 'button' },
    [ROW_ID_PROPERTY]: { type: 'rich_text' },
  };
  const seed: SeedFile = {
    databases: [
      {
        id: ids.partsDatabase,
        dataSourceId: ids.partsDataSource,
        title: 'Parts',
        properties: { Name: { type: 'title' }, Weight: { type: 'number', number: {} }, Arrived: { type: 'date' } },
        pages: parts,
      },
      ...ids.labDatabases.map((id, d) => ({
        id,
        dataSourceId: ids.labDataSources[d]!,
        title: databases === 1 ? 'Lab' : `Lab ${d + 1}`,
        properties: labSchema,
        pages: Array.from({ length: pages }, (_, i) => labPage(d, i)),
      })),
    ],
  };
  return { ids, seed };
}

/**
 * The fewest property-item requests a full read of `pages` Lab pages costs when `properties`
 * (names) are mapped: on each page whose relation goes past 25, one request per 100 references for
 * the relation and for each rollup over it, if mapped; nothing on the other pages.
 */
export function labLeastPropertyItemRequests(pages: number, longRelationEvery: number, properties: string[]): number {
  const mapped = LAB_LONG_PROPERTIES.filter((p) => properties.includes(p)).length;
  let requests = 0;
  for (let i = 0; i < pages; i++) {
    const n = labRelationSize(i, longRelationEvery);
    if (n > 25) requests += mapped * Math.ceil(n / 100);
  }
  return requests;
}
