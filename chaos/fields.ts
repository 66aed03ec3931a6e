/**
 * The fields the campaign edits, per dataset: how a value is written to and read from each side
 * (Notion page properties, Postgres columns, a Google person), and how a new value is drawn.
 *
 * Every record's title (contacts: name) starts with its logical key ("C0007 …", "M0012 …",
 * "J0003 …"); edits only change what follows the key. That is how the oracle finds a record on
 * each side without trusting any link the engine keeps: by content alone.
 */
import type { Person } from '../emulators/google/index.ts';
import type { Rng } from './rng.ts';

export type Side = 'notion' | 'postgres' | 'google';
export type DatasetName = 'contacts' | 'meetings' | 'journals';
export const DATASETS: DatasetName[] = ['contacts', 'meetings', 'journals'];
export const PREFIX: Record<DatasetName, string> = { contacts: 'C', meetings: 'M', journals: 'J' };
export const TITLE_PROPERTY: Record<DatasetName, string> = { contacts: 'Name', meetings: 'Title', journals: 'Title' };
export const TABLE: Record<DatasetName, string> = { contacts: 'contacts', meetings: 'meetings', journals: 'journals' };

export type Value = string | null | string[] | { start: string; end: string | null };
export type Values = Record<string, Value>;

/** Maps between a contact's logical key and its id on each side (relations are ids on both sides). */
export interface Refs {
  contactPageId(key: string): string | undefined;
  contactRowId(key: string): string | undefined;
  contactKeyOfPage(pageId: string): string | undefined;
  contactKeyOfRow(rowId: string): string | undefined;
}

export type SqlType = 'text' | 'text[]' | 'date' | 'timestamptz' | 'uuid[]';

export interface FieldSpec {
  field: string;
  /** Sides the model may edit this field on. */
  sides: Side[];
  /** Google carries it (contacts: name, emails, phones), and the oracle compares it there. */
  google?: boolean;
  /** A new value for an edit on `side`, different from `current`. */
  next(g: Gen, key: string, current: Value, side: Side): Value;
  toNotion(v: Value, refs: Refs): Record<string, unknown>;
  toPostgres(v: Value, refs: Refs): Array<[column: string, type: SqlType, value: unknown]>;
  toGoogle?(v: Value): Partial<Person>;
  fromNotion(page: { properties: Record<string, any> }, refs: Refs): Value;
  fromPostgres(row: Record<string, any>, refs: Refs): Value;
  fromGoogle?(p: Person): Value;
  /** What a side shows of the expected value (Notion holds only the primary address). */
  shownOn?(side: Side, v: Value): Value;
}

/** Fresh values: unique addresses and numbers (never reused, so identity matching never pairs two records by accident). */
export class Gen {
  private emails = 0;
  private phones = 0;
  constructor(readonly rng: Rng) {}
  email(key: string): string {
    return `${key.toLowerCase()}.e${++this.emails}@chaos.example`;
  }
  /** A possible UK number in E.164 (libphonenumber keeps it as is). */
  phone(): string {
    return `+4477009${String(++this.phones % 100_000).padStart(5, '0')}`;
  }
  words(n = 2): string {
    return Array.from({ length: n }, () => this.rng.pick(WORDS)).join(' ');
  }
}

const WORDS = ['alpha', 'bravo', 'café', 'delta', 'écho', 'fox', 'golf', 'hôtel', 'india', 'juliet', 'kilo', 'lima', 'nour', 'مرحبا', '日本', 'zoë', '🎉', 'quartz', 'río', 'sierra'];
const GIVEN = ['Maya', 'Jonas', 'Priya', 'Lucas', 'Sofia', 'Kwame', 'Hana', 'Amélie', 'Oliver', 'Zoë', 'Ravi', 'Elena', 'نور'];
const FAMILY = ['Chen', 'Weber', 'Raman', 'Martin', 'García', 'Mensah', 'Suzuki', 'Dubois', 'Brown', 'Kowalski', 'Patel', 'حداد'];
const CONTACT_TAGS = ['Work', 'Client', 'Design', 'Friends', 'Family', 'VIP ⭐'];
const JOURNAL_TAGS = ['Home', 'Work', 'Health', 'Family', 'Travel', 'Ideas 💡'];
const MEETING_TYPES = ['Team', 'One-on-one', 'Client', 'Interview', 'Workshop'];

const text = (s: string | null) => (s ? [{ text: { content: s } }] : []);
const plain = (p: any): string | null => {
  if (!p) return null;
  const items = (p[p.type] ?? []) as Array<{ plain_text?: string; text?: { content: string } }>;
  const s = items.map((t) => t.plain_text ?? t.text?.content ?? '').join('');
  return s === '' ? null : s;
};
const same = (a: Value, b: Value) => JSON.stringify(a) === JSON.stringify(b);
/** Draws until the value differs from the current one. */
function fresh(current: Value, draw: () => Value): Value {
  for (let i = 0; i < 20; i++) {
    const v = draw();
    if (!same(v, current)) return v;
  }
  throw new Error(`could not draw a value different from ${JSON.stringify(current)}`);
}
const tags = (g: Gen, options: string[]) => g.rng.sample(options, g.rng.int(3));
const orNull = (g: Gen, s: string) => (g.rng.chance(0.15) ? null : s);
const keyOf = (title: string | null): string | null => /^([CMJ]\d{4})(?:\s|$)/.exec(title ?? '')?.[1] ?? null;
export { keyOf, plain };

const titleField = (property: string, column: string, people = false): FieldSpec => ({
  field: column,
  sides: people ? ['notion', 'postgres', 'google'] : ['notion', 'postgres'],
  google: people,
  next: (g, key, cur) => fresh(cur, () => (people ? `${key} ${g.rng.pick(GIVEN)} ${g.rng.pick(FAMILY)}` : `${key} ${g.words(2)}`)),
  toNotion: (v) => ({ [property]: { title: text(v as string) } }),
  toPostgres: (v) => [[column, 'text', v]],
  toGoogle: (v) => ({ names: [{ unstructuredName: v as string }] }),
  fromNotion: (page) => plain(page.properties[property]),
  fromPostgres: (row) => row[column] ?? null,
  fromGoogle: (p) => p.names?.[0]?.displayName ?? null,
});

const textField = (field: string, property: string, column: string): FieldSpec => ({
  field,
  sides: ['notion', 'postgres'],
  next: (g, key, cur) => fresh(cur, () => orNull(g, `${g.words(3)} (${key.toLowerCase()})`)),
  toNotion: (v) => ({ [property]: { rich_text: text(v as string | null) } }),
  toPostgres: (v) => [[column, 'text', v]],
  fromNotion: (page) => plain(page.properties[property]),
  fromPostgres: (row) => row[column] ?? null,
});

const tagsField = (options: string[]): FieldSpec => ({
  field: 'tags',
  sides: ['notion', 'postgres'],
  next: (g, _key, cur) => fresh(cur, () => tags(g, options)),
  toNotion: (v) => ({ Tags: { multi_select: (v as string[]).map((name) => ({ name })) } }),
  toPostgres: (v) => [['tags', 'text[]', v]],
  fromNotion: (page) => (page.properties.Tags?.multi_select ?? []).map((o: { name: string }) => o.name),
  fromPostgres: (row) => row.tags ?? [],
});

/** Contacts' emails or phones: a list in Postgres and Google, its first element (the primary) in Notion. */
const addressField = (field: 'emails' | 'phones'): FieldSpec => {
  const property = field === 'emails' ? 'Email' : 'Phone';
  const kind = field === 'emails' ? 'email' : 'phone_number';
  return {
    field,
    sides: ['notion', 'postgres', 'google'],
    google: true,
    next: (g, key, cur, side) => {
      const list = (cur as string[]) ?? [];
      const draw = () => (field === 'emails' ? g.email(key) : g.phone());
      // Notion edits the primary only; Postgres and Google may also add or drop a second address.
      if (side === 'notion' || !g.rng.chance(0.3)) return [draw(), ...list.slice(1)];
      return list.length > 1 ? [list[0]!] : [list[0] ?? draw(), draw()];
    },
    toNotion: (v) => ({ [property]: { [kind]: (v as string[])[0] ?? null } }),
    toPostgres: (v) => [[field, 'text[]', v]],
    toGoogle: (v) => (field === 'emails' ? { emailAddresses: (v as string[]).map((value) => ({ value })) } : { phoneNumbers: (v as string[]).map((value) => ({ value })) }),
    fromNotion: (page) => {
      const x = page.properties[property]?.[kind] ?? null;
      return x ? [String(x).toLowerCase()] : [];
    },
    fromPostgres: (row) => (row[field] ?? []).map((x: string) => x.toLowerCase()),
    fromGoogle: (p) =>
      field === 'emails'
        ? (p.emailAddresses ?? []).map((e) => String(e.value).toLowerCase())
        : (p.phoneNumbers ?? []).map((x) => String(x.canonicalForm ?? x.value).replace(/[^\d+]/g, '')),
    shownOn: (side, v) => (side === 'notion' ? (v as string[]).slice(0, 1) : v),
  };
};

export const FIELDS: Record<DatasetName, FieldSpec[]> = {
  contacts: [
    titleField('Name', 'name', true),
    addressField('emails'),
    addressField('phones'),
    textField('company', 'Company', 'company'),
    textField('notes', 'Notes', 'notes'),
    tagsField(CONTACT_TAGS),
  ],
  meetings: [
    titleField('Title', 'title'),
    {
      field: 'when',
      sides: ['notion', 'postgres'],
      next: (g, _key, cur) =>
        fresh(cur, () => {
          const start = Date.UTC(2026, 2, 2 + g.rng.int(60), 8 + g.rng.int(9), g.rng.pick([0, 15, 30, 45]));
          const minutes = g.rng.pick([null, 30, 45, 60, 90]);
          return { start: new Date(start).toISOString(), end: minutes ? new Date(start + minutes * 60_000).toISOString() : null };
        }),
      toNotion: (v) => ({ Date: { date: v } }),
      toPostgres: (v) => {
        const w = v as { start: string; end: string | null };
        return [
          ['date', 'timestamptz', w.start],
          ['end_date', 'timestamptz', w.end],
        ];
      },
      fromNotion: (page) => {
        const d = page.properties.Date?.date;
        return d ? { start: iso(d.start)!, end: iso(d.end) } : null;
      },
      fromPostgres: (row) => (row.date ? { start: iso(row.date)!, end: iso(row.end_date) } : null),
    },
    textField('summary', 'Summary', 'summary'),
    {
      field: 'type',
      sides: ['notion', 'postgres'],
      next: (g, _key, cur) => fresh(cur, () => (g.rng.chance(0.1) ? null : g.rng.pick(MEETING_TYPES))),
      toNotion: (v) => ({ Type: { select: v ? { name: v } : null } }),
      toPostgres: (v) => [['type', 'text', v]],
      fromNotion: (page) => page.properties.Type?.select?.name ?? null,
      fromPostgres: (row) => row.type ?? null,
    },
    {
      field: 'attendees',
      sides: ['notion', 'postgres'],
      // Drawn by the model among the stable contacts (see Model.attendees); never here.
      next: () => {
        throw new Error('attendees are drawn by the model');
      },
      toNotion: (v, refs) => ({ Attendees: { relation: (v as string[]).map((k) => ({ id: must(refs.contactPageId(k), `page of ${k}`) })) } }),
      toPostgres: (v, refs) => [['contact_ids', 'uuid[]', (v as string[]).map((k) => must(refs.contactRowId(k), `row of ${k}`))]],
      fromNotion: (page, refs) => (page.properties.Attendees?.relation ?? []).map((r: { id: string }) => refs.contactKeyOfPage(r.id) ?? `?page:${r.id}`),
      fromPostgres: (row, refs) => (row.contact_ids ?? []).map((id: string) => refs.contactKeyOfRow(id) ?? `?row:${id}`),
    },
  ],
  journals: [
    titleField('Title', 'title'),
    {
      field: 'date',
      sides: ['notion', 'postgres'],
      next: (g, _key, cur) => fresh(cur, () => new Date(Date.UTC(2026, 0, 1 + g.rng.int(300))).toISOString().slice(0, 10)),
      toNotion: (v) => ({ Date: { date: v ? { start: v } : null } }),
      toPostgres: (v) => [['date', 'date', v]],
      fromNotion: (page) => page.properties.Date?.date?.start?.slice(0, 10) ?? null,
      fromPostgres: (row) => row.date ?? null,
    },
    textField('content', 'Entry', 'content'),
    tagsField(JOURNAL_TAGS),
  ],
};

function iso(v: unknown): string | null {
  if (v === null || v === undefined) return null;
  const d = v instanceof Date ? v : new Date(String(v));
  return Number.isNaN(d.getTime()) ? String(v) : d.toISOString();
}

function must<T>(v: T | undefined, what: string): T {
  if (v === undefined) throw new Error(`chaos model: no ${what}`);
  return v;
}

export function sameValue(a: Value, b: Value): boolean {
  return same(a ?? null, b ?? null);
}
