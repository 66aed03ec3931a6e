/**
 * Realistic sample workspaces for the demo, tests and benchmarks: books and Kindle highlights
 * (one-way), and contacts, meetings, tasks, reflections and journals (two-way).
 * Ids are derived from names, so the same workspace is generated every time: re-running the demo
 * against the same database finds everything already in sync.
 *
 * The databases' properties, their names and kinds come from the built-in dataset definitions
 * (src/datasets, through notionSchema.ts); only the values are written here, by field. A property
 * added to a definition is in these databases too, empty on the sample pages.
 */
import { createHash } from 'node:crypto';
import { DEFAULT_ROW_ID_PROPERTY, presetDatasets } from '../../src/datasets/index.ts';
import { notionPageOf, notionSchemaOf, type SchemaOptions } from '../../src/datasets/notionSchema.ts';
import type { DatasetDescriptor } from '../../src/datasets/types.ts';
import type { SeedDatabase, SeedFile, SeedPage } from '../notion/types.ts';

export function stableUuid(name: string): string {
  const h = createHash('sha1').update(`jarvis-sync:${name}`).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-5${h.slice(13, 16)}-${((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16)}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const BOOKS: Array<[string, string, string, number | null, string[]]> = [
  ['Dune', 'Frank Herbert', 'Finished', 5, ['Fiction', 'Sci-Fi']],
  ['Thinking, Fast and Slow', 'Daniel Kahneman', 'Finished', 4, ['Psychology']],
  ['The Pragmatic Programmer', 'Andrew Hunt, David Thomas', 'Reading', null, ['Software']],
  ['Designing Data-Intensive Applications', 'Martin Kleppmann', 'Finished', 5, ['Software', 'Databases']],
  ['Sapiens', 'Yuval Noah Harari', 'Finished', 4, ['History']],
  ['The Left Hand of Darkness', 'Ursula K. Le Guin', 'To Read', null, ['Fiction', 'Sci-Fi']],
  ['Deep Work', 'Cal Newport', 'Finished', 3, ['Productivity']],
  ['Gödel, Escher, Bach', 'Douglas Hofstadter', 'Reading', null, ['Mathematics', 'Philosophy']],
  ['The Name of the Rose', 'Umberto Eco', 'Finished', 4, ['Fiction', 'History']],
  ['Atomic Habits', 'James Clear', 'Finished', 3, ['Productivity']],
  ['A Philosophy of Software Design', 'John Ousterhout', 'Finished', 5, ['Software']],
  ['Piranesi', 'Susanna Clarke', 'Finished', 5, ['Fiction']],
  ['The Three-Body Problem', 'Liu Cixin', 'Reading', null, ['Fiction', 'Sci-Fi']],
  ['Meditations', 'Marcus Aurelius', 'Finished', 4, ['Philosophy']],
  ['Klara and the Sun', 'Kazuo Ishiguro', 'To Read', null, ['Fiction']],
  ['الخيميائي (The Alchemist)', 'Paulo Coelho', 'Finished', 3, ['Fiction']],
];

const PHRASES = [
  'Fear is the mind-killer.',
  'The map is not the territory.',
  'Premature optimization is the root of all evil — or so they say. 🙂',
  'Complexity is anything related to the structure of a software system that makes it hard to understand and modify.',
  'We are what we repeatedly do.',
  'The beauty of the house is immeasurable; its kindness infinite.',
  'Attention is the currency of deep work.',
  'A log is perhaps the simplest possible storage abstraction.',
];

const dataset = (name: string): DatasetDescriptor => presetDatasets.find((d) => d.name === name)!;

/** A sample database: the properties its dataset's definition maps (select and status options given), and the sample pages. */
function sampleDatabase(ds: DatasetDescriptor, title: string, [id, dataSourceId]: [string, string], pages: SeedPage[], schema: SchemaOptions): SeedDatabase {
  return { id, dataSourceId, title, properties: notionSchemaOf(ds, schema), pages };
}

export interface SampleOptions {
  books?: number;
  highlightsPerBook?: number;
  /** The first book gets this many highlights, to exercise relations past Notion's 25-item truncation. */
  firstBookHighlights?: number;
}

/** The seed (emulators/notion SeedFile shape) of a books + highlights workspace. */
export function sampleNotionWorkspace(opts: SampleOptions = {}) {
  const [books, highlights] = [dataset('books'), dataset('highlights')];
  const bookCount = opts.books ?? BOOKS.length;
  const perBook = opts.highlightsPerBook ?? 6;
  const ids = {
    booksDatabase: stableUuid('db:books'),
    booksDataSource: stableUuid('ds:books'),
    highlightsDatabase: stableUuid('db:highlights'),
    highlightsDataSource: stableUuid('ds:highlights'),
  };
  const bookPages = Array.from({ length: bookCount }, (_, i) => {
    const [title, author, status, rating, tags] = BOOKS[i % BOOKS.length]!;
    const n = Math.floor(i / BOOKS.length);
    return {
      id: stableUuid(`book:${i}`),
      // Spaced a minute apart from a fixed past date: never in the future, even at 100k pages.
      created_time: new Date(Date.UTC(2025, 0, 1) + i * 60_000).toISOString(),
      properties: notionPageOf(books, {
        title: n ? `${title} (vol. ${n + 1})` : title,
        author,
        status,
        rating,
        finished_at: status === 'Finished' ? `2025-${String((i % 12) + 1).padStart(2, '0')}-${String((i % 27) + 1).padStart(2, '0')}` : null,
        url: `https://openlibrary.org/search?q=${encodeURIComponent(title)}`,
        tags,
      }),
    };
  });
  const highlightPages = bookPages.flatMap((book, b) => {
    const count = b === 0 ? (opts.firstBookHighlights ?? 40) : perBook;
    return Array.from({ length: count }, (_, h) => ({
      id: stableUuid(`highlight:${b}:${h}`),
      created_time: new Date(Date.UTC(2025, 6, 1) + (b * 100 + h) * 60_000).toISOString(),
      properties: notionPageOf(highlights, {
        text: PHRASES[(b + h) % PHRASES.length]!,
        book_id: [book.id],
        location: `Location ${100 + h * 17}`,
        note: h % 3 === 0 ? 'Worth re-reading.' : null,
        highlighted_at: new Date(Date.UTC(2025, 5, 1, 8, 30) + (b * 50 + h) * 86_400_000).toISOString(),
      }),
    }));
  });
  return {
    ids,
    seed: {
      databases: [
        sampleDatabase(books, 'Books', [ids.booksDatabase, ids.booksDataSource], bookPages, { options: { status: ['To Read', 'Reading', 'Finished'] } }),
        sampleDatabase(highlights, 'Highlights', [ids.highlightsDatabase, ids.highlightsDataSource], highlightPages, { dataSourceOf: (d) => ({ books: ids.booksDataSource })[d]! }),
      ],
    },
  };
}

// ---- two-way datasets: contacts, meetings, tasks, reflections, journals -------------------------

/** The rich_text property two-way datasets keep the Postgres row id in (left empty on seeded pages). */
export const ROW_ID_PROPERTY = DEFAULT_ROW_ID_PROPERTY;

const CONTACTS: Array<{ name: string; email: string; phone: string | null; company: string | null; notes: string | null; tags: string[] }> = [
  { name: 'Maya Chen', email: 'maya.chen@example.com', phone: '+14155550123', company: 'Acme Robotics', notes: 'Met at the Lisbon conference 🎤', tags: ['Work', 'VIP ⭐'] },
  { name: 'Jonas Weber', email: 'jonas.weber@example.de', phone: '+4930901820', company: 'Nordlicht GmbH', notes: null, tags: ['Work'] },
  { name: 'Priya Raman', email: 'priya.raman@example.in', phone: '+919876543210', company: 'Freelance', notes: 'Designer — great at onboarding flows', tags: ['Work', 'Design'] },
  { name: 'نور حداد', email: 'nour.haddad@example.com', phone: '+9613123456', company: 'Cedar Analytics', notes: 'Prefers WhatsApp; Arabic and English', tags: ['Work', 'Client'] },
  { name: 'Lucas Martin', email: 'lucas.martin@example.fr', phone: null, company: null, notes: 'Climbing buddy 🧗', tags: ['Friends'] },
  { name: 'Sofia García', email: 'sofia.garcia@example.es', phone: '+34612345678', company: 'Acme Robotics', notes: null, tags: ['Work'] },
  { name: 'Kwame Mensah', email: 'kwame.mensah@example.com', phone: '+233201234567', company: 'Volta Energy', notes: 'Intro via Maya', tags: ['Client'] },
  { name: 'Hana Suzuki', email: 'hana.suzuki@example.jp', phone: '+81312345678', company: null, notes: null, tags: [] },
  { name: 'Amélie Dubois', email: 'amelie.dubois@example.fr', phone: '+33612345678', company: 'Studio Lumière', notes: 'Photographer 📷', tags: ['Friends', 'Design'] },
  { name: 'Oliver Brown', email: 'oliver.brown@example.co.uk', phone: '+447700900123', company: 'Brown & Co', notes: null, tags: ['Family'] },
  { name: 'Zoë Kowalski', email: 'zoe.kowalski@example.pl', phone: null, company: 'Open Source Collective', notes: 'Maintains the CSV parser we use', tags: ['Work'] },
  { name: 'Ravi Patel', email: 'ravi.patel@example.com', phone: '+12125550199', company: 'Volta Energy', notes: null, tags: ['Client'] },
  { name: 'Elena Petrova', email: 'elena.petrova@example.com', phone: '+359888123456', company: null, notes: 'Book club 📚', tags: ['Friends'] },
  { name: 'Mateus Silva', email: 'mateus.silva@example.br', phone: '+5511987654321', company: 'Acme Robotics', notes: null, tags: ['Work'] },
];

const MEETINGS: Array<{ title: string; type: string; minutes: number | null; summary: string | null }> = [
  { title: 'Quarterly all-hands 🎉', type: 'Team', minutes: 60, summary: 'Q1 results, hiring plan, and the new office. Questions collected in the doc.' },
  { title: 'Weekly sync with Maya', type: 'One-on-one', minutes: 30, summary: 'Agreed to ship the importer behind a flag.' },
  { title: 'Design review: onboarding flow', type: 'Workshop', minutes: 60, summary: 'Three variants; going with B. Priya to update the mock-ups ✏️' },
  { title: 'Client kickoff — Cedar Analytics', type: 'Client', minutes: 90, summary: 'Scope, milestones and who signs off. Contract draft by Friday.' },
  { title: 'Interview: backend engineer', type: 'Interview', minutes: 45, summary: null },
  { title: 'Budget planning', type: 'Team', minutes: 60, summary: 'Travel budget cut by 10%; tooling budget unchanged.' },
  { title: 'Retro 🔁', type: 'Team', minutes: 45, summary: 'Keep: pairing. Stop: Friday deploys. Try: written proposals.' },
  { title: 'Coffee chat ☕', type: 'One-on-one', minutes: null, summary: null },
  { title: 'Volta Energy — quarterly check-in', type: 'Client', minutes: 30, summary: 'Happy with the dashboard; want a CSV export.' },
  { title: 'Roadmap workshop', type: 'Workshop', minutes: 120, summary: 'Two themes for H2: reliability and self-serve onboarding.' },
];

const TASKS: Array<{ name: string; priority: string | null; notes: string | null }> = [
  { name: 'Send follow-up to Cedar Analytics', priority: 'High', notes: 'Attach the contract draft' },
  { name: 'Draft the H2 roadmap', priority: 'High', notes: null },
  { name: 'Book flights to Lisbon ✈️', priority: 'Medium', notes: 'Window seat, morning flight' },
  { name: 'Review PR #42 (importer)', priority: 'Medium', notes: null },
  { name: 'Renew passport', priority: 'Low', notes: 'Photos are in the top drawer' },
  { name: 'Prepare interview questions', priority: 'Medium', notes: 'Focus on data modelling' },
  { name: 'Update the budget spreadsheet', priority: null, notes: null },
  { name: 'Write up the retro notes', priority: 'Low', notes: null },
  { name: 'Call the dentist 🦷', priority: null, notes: null },
  { name: 'Read "Designing Data-Intensive Applications", chapter 5', priority: 'Low', notes: 'Replication' },
  { name: 'Plan the team offsite 🏕️', priority: 'Medium', notes: 'Somewhere reachable by train' },
  { name: 'Fix the flaky CI test', priority: 'High', notes: 'Fails about 1 run in 20, only on Node 20' },
  { name: 'Reply to Nour about the contract', priority: 'High', notes: null },
  { name: 'Water the plants 🌱', priority: null, notes: null },
  { name: 'File the expense report', priority: 'Medium', notes: 'Receipts from the Lisbon trip' },
];

const REFLECTIONS: Array<{ title: string; mood: string | null; content: string }> = [
  { title: 'What went well this week', mood: 'Energized', content: 'Shipped the importer. Saying no to two meetings gave me two afternoons of deep work. 💪' },
  { title: 'On feedback', mood: 'Neutral', content: 'The design review was uncomfortable but useful. Ask for feedback earlier, in smaller pieces.' },
  { title: 'Too many context switches', mood: 'Tired', content: 'Five projects at once is three too many. Next week: batch the small tasks on Friday morning.' },
  { title: 'A good conversation', mood: 'Content', content: 'Long coffee with Lucas. Reminded me why I like building things for people I know.' },
  { title: 'Stress before the launch', mood: 'Stressed', content: 'Slept badly. Wrote down everything that could go wrong; most of it is already handled.' },
  { title: 'Quarter in review', mood: 'Energized', content: 'Three goals, two met. The third (writing) needs a fixed slot, not good intentions. ✍️' },
];

const JOURNALS: Array<{ title: string; tags: string[]; entry: string }> = [
  { title: 'Rainy Saturday', tags: ['Home'], entry: 'Baked bread, read in the afternoon, early night. ☔' },
  { title: 'First day of the project', tags: ['Work'], entry: 'Kickoff went fine. The client knows exactly what they want, which is rare.' },
  { title: 'Run by the river', tags: ['Health'], entry: '10 km, slow and happy. The cherry trees are starting to bloom 🌸' },
  { title: 'Family dinner', tags: ['Family'], entry: "Oliver's birthday. Everyone was there; too much cake." },
  { title: 'Ideas on the train', tags: ['Ideas 💡', 'Travel'], entry: 'A tiny app that turns meeting notes into tasks. Probably exists already; still fun to sketch.' },
  { title: 'Lisbon, day 1', tags: ['Travel'], entry: 'Pastéis de nata, tram 28, sore feet. Worth it.' },
  { title: 'Quiet Sunday', tags: ['Home', 'Health'], entry: 'No screens until noon. Should do this more often.' },
  { title: 'Hard conversation', tags: ['Work'], entry: 'Told the team the offsite is postponed. Better than expected; people appreciated the honesty.' },
];

export interface TwoWaySampleOptions {
  contacts?: number;
  meetings?: number;
  tasks?: number;
  reflections?: number;
  journals?: number;
}

const DAY_MS = 86_400_000;
const minute = (base: number, i: number) => new Date(base + i * 60_000).toISOString();
/** The n-th item of a list, with a copy number when the list is exhausted ("Retro 🔁 (2)"). */
function cycle<T>(list: T[], i: number): { item: T; copy: number } {
  return { item: list[i % list.length]!, copy: Math.floor(i / list.length) };
}
const numbered = (s: string, copy: number) => (copy ? `${s} (${copy + 1})` : s);
const isoDate = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/**
 * The seed (emulators/notion SeedFile shape) of a two-way workspace: contacts, meetings (Attendees →
 * contacts), tasks (Meeting → meetings), reflections and journals, with the schemas of their
 * definitions (src/datasets), the `Supabase ID` rich_text property left empty. Same options, same workspace.
 * Meeting 0 is an all-hands with 30 attendees (past Notion's 25-item relation truncation) when there
 * are at least 30 contacts, otherwise with every contact.
 */
export function sampleTwoWayWorkspace(opts: TwoWaySampleOptions = {}) {
  const [contacts, meetings, tasks, reflections, journals] = ['contacts', 'meetings', 'tasks', 'reflections', 'journals'].map(dataset);
  const counts = {
    contacts: opts.contacts ?? 12,
    meetings: opts.meetings ?? 10,
    tasks: opts.tasks ?? 15,
    reflections: opts.reflections ?? 6,
    journals: opts.journals ?? 8,
  };
  const ids = {
    contactsDatabase: stableUuid('db:contacts'),
    contactsDataSource: stableUuid('ds:contacts'),
    meetingsDatabase: stableUuid('db:meetings'),
    meetingsDataSource: stableUuid('ds:meetings'),
    tasksDatabase: stableUuid('db:tasks'),
    tasksDataSource: stableUuid('ds:tasks'),
    reflectionsDatabase: stableUuid('db:reflections'),
    reflectionsDataSource: stableUuid('ds:reflections'),
    journalsDatabase: stableUuid('db:journals'),
    journalsDataSource: stableUuid('ds:journals'),
  };
  // created_time: from 2025-03-01, a minute apart within each database; every database starts on
  // its own day so that changing one count does not move another's pages.
  const base = (n: number) => Date.UTC(2025, 2, 1) + n * DAY_MS;

  const contactIds = Array.from({ length: counts.contacts }, (_, i) => stableUuid(`contact:${i}`));
  const contactPages = contactIds.map((id, i) => {
    const { item: c, copy } = cycle(CONTACTS, i);
    const [local, domain] = c.email.split('@') as [string, string];
    return {
      id,
      created_time: minute(base(0), i),
      properties: notionPageOf(contacts, {
        name: numbered(c.name, copy),
        email: copy ? `${local}+${copy + 1}@${domain}` : c.email,
        // Copies keep no phone: contacts are matched across sources by email, then phone.
        phone: copy ? null : c.phone,
        company: c.company,
        notes: c.notes,
        tags: c.tags,
      }),
    };
  });

  const meetingIds = Array.from({ length: counts.meetings }, (_, i) => stableUuid(`meeting:${i}`));
  const meetingPages = meetingIds.map((id, i) => {
    const { item: m, copy } = cycle(MEETINGS, i);
    let attendees: string[];
    if (i === 0) attendees = contactIds.slice(0, Math.min(30, contactIds.length));
    else {
      const n = Math.min(1 + (i % 4), contactIds.length);
      attendees = [...new Set(Array.from({ length: n }, (_, k) => contactIds[(i * 3 + k * 5) % contactIds.length]!))];
    }
    // Working days from Monday 3 March 2025, 09:00–16:00 UTC.
    const day = Date.UTC(2025, 2, 3) + (Math.floor(i / 5) * 7 + (i % 5)) * DAY_MS;
    const start = day + (9 + ((i * 2) % 7)) * 3_600_000;
    return {
      id,
      created_time: minute(base(7), i),
      properties: notionPageOf(meetings, {
        title: numbered(m.title, copy),
        date: { start: new Date(start).toISOString(), end: m.minutes ? new Date(start + m.minutes * 60_000).toISOString() : null },
        summary: m.summary,
        type: m.type,
        contact_ids: attendees,
      }),
    };
  });

  const STATUSES = ['Not started', 'In progress', 'Done'];
  const taskPages = Array.from({ length: counts.tasks }, (_, i) => {
    const { item: t, copy } = cycle(TASKS, i);
    const meeting = i % 2 === 0 && meetingIds.length > 0 ? meetingIds[(i / 2) % meetingIds.length]! : null;
    return {
      id: stableUuid(`task:${i}`),
      created_time: minute(base(14), i),
      properties: notionPageOf(tasks, {
        title: numbered(t.name, copy),
        status: STATUSES[i % STATUSES.length]!,
        due_date: i % 4 === 3 ? null : isoDate(Date.UTC(2025, 2, 10) + i * 2 * DAY_MS),
        priority: t.priority,
        notes: t.notes,
        meeting_id: meeting ? [meeting] : [],
      }),
    };
  });

  const reflectionPages = Array.from({ length: counts.reflections }, (_, i) => {
    const { item: r, copy } = cycle(REFLECTIONS, i);
    return {
      id: stableUuid(`reflection:${i}`),
      created_time: minute(base(21), i),
      properties: notionPageOf(reflections, {
        title: numbered(r.title, copy),
        date: isoDate(Date.UTC(2025, 2, 7) + i * 7 * DAY_MS),
        content: r.content,
        mood: r.mood,
      }),
    };
  });

  const journalPages = Array.from({ length: counts.journals }, (_, i) => {
    const { item: j, copy } = cycle(JOURNALS, i);
    return {
      id: stableUuid(`journal:${i}`),
      created_time: minute(base(28), i),
      properties: notionPageOf(journals, {
        title: numbered(j.title, copy),
        date: isoDate(Date.UTC(2025, 2, 1) + i * 3 * DAY_MS),
        content: j.entry,
        tags: j.tags,
      }),
    };
  });

  const dataSourceOf = (name: string) => ({ contacts: ids.contactsDataSource, meetings: ids.meetingsDataSource })[name]!;
  const seed: SeedFile = {
    databases: [
      sampleDatabase(contacts, 'Contacts', [ids.contactsDatabase, ids.contactsDataSource], contactPages, { options: { tags: ['Work', 'Client', 'Design', 'Friends', 'Family', 'VIP ⭐'] } }),
      sampleDatabase(meetings, 'Meetings', [ids.meetingsDatabase, ids.meetingsDataSource], meetingPages, { options: { type: ['Team', 'One-on-one', 'Client', 'Interview', 'Workshop'] }, dataSourceOf }),
      sampleDatabase(tasks, 'Tasks', [ids.tasksDatabase, ids.tasksDataSource], taskPages, { options: { status: STATUSES, priority: ['High', 'Medium', 'Low'] }, dataSourceOf }),
      sampleDatabase(reflections, 'Reflections', [ids.reflectionsDatabase, ids.reflectionsDataSource], reflectionPages, { options: { mood: ['Energized', 'Content', 'Neutral', 'Tired', 'Stressed'] } }),
      sampleDatabase(journals, 'Journals', [ids.journalsDatabase, ids.journalsDataSource], journalPages, { options: { tags: ['Home', 'Work', 'Health', 'Family', 'Travel', 'Ideas 💡'] } }),
    ],
  };
  return { ids, seed };
}

/**
 * One seed holding the databases of several, e.g.
 * `mergeSeeds(sampleNotionWorkspace().seed, sampleTwoWayWorkspace().seed)`. Database and data
 * source ids must not repeat across the seeds.
 */
export function mergeSeeds(...seeds: SeedFile[]): SeedFile {
  const databases = seeds.flatMap((s) => s.databases);
  const seen = new Set<string>();
  for (const d of databases) {
    for (const id of [d.id, d.dataSourceId]) {
      if (!id) continue;
      if (seen.has(id)) throw new Error(`mergeSeeds: id ${id} appears in more than one database ("${d.title}")`);
      seen.add(id);
    }
  }
  return { databases };
}
