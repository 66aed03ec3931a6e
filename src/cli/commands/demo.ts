/**
 * `jarvis-sync demo`: a sample Notion workspace and a sample Google account, each served by its
 * local emulator, synced into an embedded PGlite database — the whole product, running with
 * nothing configured. The Notion workspace holds the one-way datasets (books, highlights) and the
 * two-way ones (contacts, meetings, tasks, reflections, journals, each with its "Supabase ID"
 * property already in place); the Google account holds calendar events, e-mails and contacts,
 * most of them the same people as the Notion contacts (matched by e-mail), so the contacts sync
 * three ways.
 */
import { join } from 'node:path';
import { SAMPLE_CLIENT_ID, SAMPLE_CLIENT_SECRET, SAMPLE_REFRESH_TOKEN } from '../../../emulators/google/cli.ts';
import { createGoogleEmulator } from '../../../emulators/google/index.ts';
import { createNotionEmulator } from '../../../emulators/notion/index.ts';
import { sampleGoogleWorkspace } from '../../../emulators/samples/googleWorkspace.ts';
import { mergeSeeds, sampleNotionWorkspace, sampleTwoWayWorkspace } from '../../../emulators/samples/notionWorkspace.ts';
import { loadConfig, type Config } from '../../config/index.ts';
import { runAll } from '../../engine/runAll.ts';
import type { RunResult } from '../../engine/result.ts';
import { systemClock, type Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';
import { quoteIdent } from '../../store/identifiers.ts';
import type { Store } from '../../store/types.ts';
import { createRunContext, openMigratedStore } from '../app.ts';
import { numberFlag, type ParsedCommand } from '../args.ts';
import { printResult } from '../output.ts';

const DEMO_TOKEN = 'secret_demo_token';

/** The demo's sample workspace and account, served by the Notion and Google emulators on local ports, and a config pointing at them. */
export interface DemoWorkspace {
  /** The Notion emulator. */
  emulator: Emulator;
  ids: DemoIds;
  /** The Google emulator (Calendar, Gmail, People and OAuth on one port). */
  google: GoogleEmulator;
  /**
   * The base config with the emulators' URLs, the demo-only credentials they accept and the
   * Notion database ids (and `env` applied on top). Held in memory only, never written anywhere.
   */
  config: Config;
  /** PGlite data directory of the demo (`<JARVIS_DATA_DIR>/demo-pgdata`). */
  dataDir: string;
  /** The Notion emulator's URL. */
  url: string;
  googleUrl: string;
  /** "12 books, 25 highlights, …" */
  contents: string;
  /** "40 calendar events, 60 e-mails, 20 contacts (12 of them also in Notion)" */
  googleContents: string;
  close(): Promise<void>;
}

export interface DemoWorkspaceOptions {
  /** The emulators' time (default the system clock); the Google sample is dated around its now. */
  clock?: Clock;
}

export async function startDemoWorkspace(base: Config, env: Record<string, string | undefined> = {}, opts: DemoWorkspaceOptions = {}): Promise<DemoWorkspace> {
  const clock = opts.clock ?? systemClock;
  const oneWay = sampleNotionWorkspace();
  const twoWay = sampleTwoWayWorkspace();
  const ids: DemoIds = { ...oneWay.ids, ...twoWay.ids };
  const seed = mergeSeeds(oneWay.seed, twoWay.seed);
  // The emulator limits requests like Notion (3/s) unless the user paces the client faster
  // (NOTION_REQUESTS_PER_SECOND): then the demo runs at that pace instead of refusing it.
  const notionRate = Math.max(3, base.notion.requestsPerSecond);
  const emulator = createNotionEmulator({ clock, seed, tokens: [DEMO_TOKEN], rateLimit: { requestsPerSecond: notionRate, burst: Math.max(10, base.notion.burst) } });
  // The sample account is dated around today: the calendar window (30 days back, a year ahead)
  // and the Gmail query (newer_than:90d) are relative to now.
  const googleSample = sampleGoogleWorkspace({ anchor: clock.now() });
  const google = createGoogleEmulator({
    clock,
    seed: googleSample.seed,
    clientId: SAMPLE_CLIENT_ID,
    clientSecret: SAMPLE_CLIENT_SECRET,
    refreshTokens: [SAMPLE_REFRESH_TOKEN],
    // 0, not People's realistic minutes-long delay: the demo syncs each edit right after making it so the
    // user watches it travel Google → Postgres → Notion; with the delay the change would show a run later.
    propagationDelayMs: 0,
  });
  const closeBoth = async () => {
    await Promise.allSettled([emulator.close(), google.close()]);
  };
  let url: string;
  let googleUrl: string;
  try {
    url = await emulator.listen(0, '127.0.0.1');
    googleUrl = await google.listen(0, '127.0.0.1');
  } catch (e) {
    await closeBoth();
    throw e;
  }
  let config: Config;
  try {
    config = loadConfig({
      env: {
        ...process.env,
        NOTION_TOKEN: DEMO_TOKEN,
        NOTION_BASE_URL: url,
        NOTION_BOOKS_DATABASE_ID: ids.booksDatabase,
        NOTION_HIGHLIGHTS_DATABASE_ID: ids.highlightsDatabase,
        NOTION_CONTACTS_DATABASE_ID: ids.contactsDatabase,
        NOTION_MEETINGS_DATABASE_ID: ids.meetingsDatabase,
        NOTION_TASKS_DATABASE_ID: ids.tasksDatabase,
        NOTION_REFLECTIONS_DATABASE_ID: ids.reflectionsDatabase,
        NOTION_JOURNALS_DATABASE_ID: ids.journalsDatabase,
        // Demo-only values the local Google emulator accepts; like the Notion token above they
        // live in this config object only (no file, no environment of another process).
        GOOGLE_CLIENT_ID: SAMPLE_CLIENT_ID,
        GOOGLE_CLIENT_SECRET: SAMPLE_CLIENT_SECRET,
        GOOGLE_REFRESH_TOKEN: SAMPLE_REFRESH_TOKEN,
        GOOGLE_API_ROOT: googleUrl,
        GOOGLE_CALENDAR_ID: 'primary',
        DATABASE_URL: '',
        JARVIS_DATA_DIR: base.database.dataDir,
        ...env,
      },
      configPath: base.configFile ?? undefined,
    });
  } catch (e) {
    await closeBoth();
    throw e;
  }
  const count = (dataSource: string, what: string) => `${emulator.listPages(dataSource).length} ${what}`;
  const contents = [
    count(ids.booksDataSource, 'books'),
    count(ids.highlightsDataSource, 'highlights'),
    count(ids.contactsDataSource, 'contacts'),
    count(ids.meetingsDataSource, 'meetings'),
    count(ids.tasksDataSource, 'tasks'),
    count(ids.reflectionsDataSource, 'reflections'),
    count(ids.journalsDataSource, 'journals'),
  ].join(', ');
  const notionEmails = new Set(
    emulator.listPages(ids.contactsDataSource).map((p) => String((p.properties.Email as { email?: string } | undefined)?.email ?? '').toLowerCase()),
  );
  const people = google.people.listPeople();
  const shared = people.filter((p) => (p.emailAddresses ?? []).some((e) => notionEmails.has(String(e.value ?? '').toLowerCase()))).length;
  const googleContents = [
    `${google.calendar.listEvents('primary').length} calendar events`,
    `${google.gmail.listMessages().length} e-mails`,
    `${people.length} contacts (${shared} of them also in Notion)`,
  ].join(', ');
  return {
    emulator,
    ids,
    google,
    config,
    dataDir: join(config.database.dataDir, 'demo-pgdata'),
    url,
    googleUrl,
    contents,
    googleContents,
    close: closeBoth,
  };
}

export async function demoCommand(cmd: ParsedCommand, base: Config, logger: Logger, out: (s: string) => void): Promise<number> {
  const intervalSeconds = numberFlag(cmd.flags, 'interval', { min: 1, max: 3600 }) ?? 10;
  const demo = await startDemoWorkspace(base);
  const { config, dataDir } = demo;
  let store: Store;
  try {
    store = await openMigratedStore(config, logger, { dataDir });
  } catch (e) {
    await demo.close();
    throw e;
  }
  const ctx = createRunContext(config, store, logger);
  out(`jarvis-sync demo — a sample Notion workspace (${demo.contents}) served by the local Notion emulator at ${demo.url},`);
  out(`and a sample Google account (${demo.googleContents}) served by the local Google emulator at ${demo.googleUrl},`);
  out(`synced into the embedded PGlite database at ${dataDir}. No credentials are configured, so this is what \`npm start\` shows.`);
  out('');

  let stopping = false;
  const stop = () => {
    stopping = true;
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  let ok = true;
  try {
    ok = report(await runAll(ctx, { full: true }), out) && ok;
    const books = named(config, 'books');
    const highlights = named(config, 'highlights');
    const { rows } = await store.query<{ title: string; author: string; highlights: number }>(
      `SELECT b.${books.column('title')} AS title, b.${books.column('author')} AS author, count(h.id)::int AS highlights
         FROM ${books.table} b LEFT JOIN ${highlights.table} h ON h.${highlights.column('book_id')} = b.id AND h.deleted_at IS NULL
       WHERE b.deleted_at IS NULL GROUP BY b.id, 1, 2 ORDER BY highlights DESC, 1 LIMIT 3`,
    );
    out('In Postgres now (books with the most highlights — the first has more than Notion puts in one page response):');
    for (const r of rows) out(`  ${r.title} — ${r.author}: ${r.highlights} highlights`);
    out(await describeGoogleRows(store, config));
    if (cmd.flags.once) return ok ? 0 : 1;

    out('');
    out(`Every ${intervalSeconds} s the demo edits Notion, Google or Postgres as a user would and syncs again. Ctrl-C stops.`);
    for (let cycle = 1; !stopping; cycle++) {
      await waitOrStop(intervalSeconds * 1000, () => stopping);
      if (stopping) break;
      const edit = await editLikeAUser(demo, store, cycle);
      out(`\n[${new Date().toISOString()}] ${edit.description}`);
      // A page moved to the trash is only found by a full sync.
      report(await runAll(ctx, { full: edit.sync?.full === true }), out);
    }
    return ok ? 0 : 1;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    await store.close();
    await demo.close();
  }
}

/**
 * A dataset's table and its fields' columns as the config names them (`datasets.<name>.table`,
 * `.columns`; the user's config file applies to the demo too), quoted for SQL.
 */
function named(config: Pick<Config, 'datasets'>, dataset: string): { table: string; column(field: string): string } {
  const ds = config.datasets.find((d) => d.name === dataset);
  if (!ds) throw new Error(`the demo needs the dataset ${dataset}`);
  return {
    table: quoteIdent(ds.table),
    column: (field) => quoteIdent(ds.fields.find((f) => f.field === field)?.column ?? field),
  };
}

/** One line on what the Google side put in Postgres: contacts linked three ways, events, e-mails. */
export async function describeGoogleRows(store: Store, config: Pick<Config, 'datasets'>): Promise<string> {
  const contacts = named(config, 'contacts').table;
  const { rows } = await store.query<{ contacts: number; linked: number; events: number; emails: number }>(
    `SELECT (SELECT count(*)::int FROM ${contacts} WHERE deleted_at IS NULL) AS contacts,
            (SELECT count(*)::int FROM ${contacts} WHERE deleted_at IS NULL AND notion_page_id IS NOT NULL AND google_resource_name IS NOT NULL) AS linked,
            (SELECT count(*)::int FROM ${named(config, 'calendar').table} WHERE deleted_at IS NULL) AS events,
            (SELECT count(*)::int FROM ${named(config, 'gmail').table} WHERE deleted_at IS NULL) AS emails`,
  );
  const r = rows[0]!;
  return `From Google: ${r.events} calendar events (recurring ones as their instances) and ${r.emails} e-mails; ${r.contacts} contacts, ${r.linked} of them linked to a Notion page and a Google contact alike.`;
}

function report(results: RunResult[], out: (s: string) => void): boolean {
  for (const r of results) if (r.status !== 'skipped') printResult(r, out);
  return results.every((r) => r.status === 'success' || r.status === 'skipped');
}

async function waitOrStop(ms: number, stopped: () => boolean): Promise<void> {
  const until = Date.now() + ms;
  while (!stopped() && Date.now() < until) await new Promise((r) => setTimeout(r, Math.min(250, until - Date.now())));
}

type Emulator = ReturnType<typeof createNotionEmulator>;
type GoogleEmulator = ReturnType<typeof createGoogleEmulator>;
export type DemoIds = ReturnType<typeof sampleNotionWorkspace>['ids'] & ReturnType<typeof sampleTwoWayWorkspace>['ids'];

/** What editLikeAUser edits: the two emulators (and the store, passed on its own). */
export type DemoTargets = Pick<DemoWorkspace, 'emulator' | 'google' | 'ids' | 'config'>;

export interface DemoEdit {
  /** What the simulated user (or app) did, for the terminal. */
  description: string;
  /** Where the edit was made. */
  side: 'notion' | 'google' | 'postgres';
  /**
   * The run that picks the edit up when no webhook announces it (the service starts it): Gmail
   * and Google Contacts send no push, a Postgres edit is read by the dataset's incremental run, a
   * page moved to the trash only by a full one. Null when a webhook announces the edit (Notion's,
   * and Google Calendar's push notifications).
   */
  sync: { dataset: string; full: boolean } | null;
}

/** How many different edits editLikeAUser rotates through. */
export const DEMO_EDIT_KINDS = 8;

const TASK_STATUSES = ['Not started', 'In progress', 'Done'];
const EVENT_SUMMARIES = ['Lunch with {name} 🥗', 'Call with {name}', 'Review: onboarding metrics', 'Coffee with {name} ☕', 'Planning: next quarter'];
const EMAIL_SUBJECTS = ['Quick update on the proposal', 'Photos from Saturday 📷', 'Can we move our call?', 'Re: the contract', 'Thank you!'];
const HOUR = 3_600_000;
const plainTitle = (page: { properties: Record<string, any> }, name: string) =>
  ((page.properties[name] as any)?.title ?? []).map((t: any) => t.plain_text).join('');
const personName = (p: { names?: Array<{ displayName?: string | null; givenName?: string | null; familyName?: string | null; unstructuredName?: string | null }> | null }) => {
  const n = p.names?.[0];
  return n?.displayName ?? n?.unstructuredName ?? ([n?.givenName, n?.familyName].filter(Boolean).join(' ') || 'someone');
};

/**
 * One edit per cycle, rotating through what users do, on every side: rate a book in Notion, add an
 * event to Google Calendar, add a highlight in Notion, receive an e-mail in Gmail, move a task along
 * in Notion, change a contact's phone number in Google Contacts, edit a meeting summary in Postgres
 * (as an app reading Supabase would), trash a highlight in Notion.
 */
export async function editLikeAUser(demo: DemoTargets, store: Store, cycle: number, clock: Clock = systemClock): Promise<DemoEdit> {
  const { emulator, google, ids, config } = demo;
  const round = Math.floor(cycle / DEMO_EDIT_KINDS);
  const books = emulator.listPages(ids.booksDataSource);
  const book = books[cycle % books.length]!;
  const title = plainTitle(book, 'Title');
  const people = google.people.listPeople();
  const person = people[(cycle + round) % Math.max(people.length, 1)];
  const notion = (description: string): DemoEdit => ({ description, side: 'notion', sync: null });
  switch (cycle % DEMO_EDIT_KINDS) {
    case 1: {
      const rating = (round % 5) + 1;
      emulator.updatePage(book.id, { Rating: { number: rating } });
      return notion(`user rated "${title}" ${rating}/5 in Notion`);
    }
    case 2: {
      // Tomorrow, on the hour: well inside the calendar window, with a contact as guest.
      const start = Math.ceil(clock.now() / HOUR) * HOUR + 24 * HOUR;
      const name = person ? personName(person) : 'a friend';
      const summary = EVENT_SUMMARIES[round % EVENT_SUMMARIES.length]!.replace('{name}', name);
      const email = person?.emailAddresses?.[0]?.value;
      google.calendar.upsertEvent('primary', {
        summary,
        start: { dateTime: new Date(start).toISOString(), timeZone: 'UTC' },
        end: { dateTime: new Date(start + HOUR).toISOString(), timeZone: 'UTC' },
        attendees: [{ email: google.userEmail, self: true, organizer: true, responseStatus: 'accepted' }, ...(email ? [{ email, displayName: name, responseStatus: 'needsAction' }] : [])],
      });
      return { description: `user added "${summary}" to Google Calendar for ${new Date(start).toISOString().slice(0, 16).replace('T', ' ')} UTC`, side: 'google', sync: null };
    }
    case 3: {
      emulator.createPage(ids.highlightsDataSource, {
        Text: { title: [{ text: { content: `A new highlight, added in cycle ${cycle}.` } }] },
        Book: { relation: [{ id: book.id }] },
        Location: { rich_text: [{ text: { content: `Location ${cycle * 10}` } }] },
        Highlighted: { date: { start: new Date(clock.now()).toISOString() } },
      });
      return notion(`user added a highlight to "${title}" in Notion`);
    }
    case 4: {
      const name = person ? personName(person) : 'Someone';
      const email = person?.emailAddresses?.[0]?.value ?? 'someone@example.net';
      const subject = EMAIL_SUBJECTS[round % EMAIL_SUBJECTS.length]!;
      google.gmail.addMessage({ from: `${name} <${email}>`, to: [google.userEmail], subject, snippet: `Hi! ${subject} — more when we talk.`, internalDate: clock.now() });
      return { description: `an e-mail from ${name} arrived in Gmail: "${subject}"`, side: 'google', sync: { dataset: 'gmail', full: false } };
    }
    case 5: {
      const tasks = emulator.listPages(ids.tasksDataSource);
      const task = tasks[cycle % tasks.length];
      if (!task) return notion('no task to edit');
      const current = (task.properties.Status as any)?.status?.name as string | undefined;
      const next = TASK_STATUSES[(TASK_STATUSES.indexOf(current ?? '') + 1) % TASK_STATUSES.length]!;
      emulator.updatePage(task.id, { Status: { status: { name: next } } });
      return notion(`user moved the task "${plainTitle(task, 'Name')}" to "${next}" in Notion`);
    }
    case 6: {
      // Someone on all three sides, so the change is seen going Google → Postgres → Notion.
      const contacts = named(config, 'contacts');
      const { rows } = await store.query<{ name: string; google_resource_name: string }>(
        `SELECT ${contacts.column('name')} AS name, google_resource_name FROM ${contacts.table}
          WHERE deleted_at IS NULL AND google_resource_name IS NOT NULL AND notion_page_id IS NOT NULL
          ORDER BY name, id OFFSET $1::int % greatest((SELECT count(*) FROM ${contacts.table} WHERE deleted_at IS NULL AND google_resource_name IS NOT NULL AND notion_page_id IS NOT NULL), 1) LIMIT 1`,
        [round],
      );
      const target = rows[0] && google.people.getPerson(rows[0].google_resource_name) ? { resourceName: rows[0].google_resource_name, name: rows[0].name } : person ? { resourceName: person.resourceName!, name: personName(person) } : null;
      if (!target) return { description: 'no Google contact to edit', side: 'google', sync: null };
      const phone = `+1 415-555-${String(100 + ((cycle * 37) % 900)).padStart(4, '0')}`;
      google.people.updatePerson(target.resourceName, { phoneNumbers: [{ value: phone, type: 'mobile' }] });
      return {
        description: `user changed the phone number of "${target.name}" to ${phone} in Google Contacts (the three-way sync carries it to Postgres and Notion)`,
        side: 'google',
        sync: { dataset: 'contacts', full: false },
      };
    }
    case 7: {
      const meetings = named(config, 'meetings');
      const { rows } = await store.query<{ title: string }>(
        `UPDATE ${meetings.table} SET ${meetings.column('summary')} = $1
          WHERE id = (SELECT id FROM ${meetings.table} WHERE deleted_at IS NULL ORDER BY ${meetings.column('date')}, id
                       OFFSET $2::int % greatest((SELECT count(*) FROM ${meetings.table} WHERE deleted_at IS NULL), 1) LIMIT 1)
        RETURNING ${meetings.column('title')} AS title`,
        [`Follow-ups sent on ${new Date(clock.now()).toISOString().slice(0, 10)} ✅`, round],
      );
      return rows[0]
        ? { description: `an app edited the summary of the meeting "${rows[0].title}" in Postgres (the two-way sync carries it to Notion)`, side: 'postgres', sync: { dataset: 'meetings', full: false } }
        : { description: 'no meeting in Postgres to edit yet', side: 'postgres', sync: null };
    }
    default: {
      const live = emulator.listPages(ids.highlightsDataSource);
      const victim = live[cycle % live.length];
      if (victim) emulator.trashPage(victim.id, true);
      return { description: 'user moved a highlight to the trash in Notion (found by the next full sync)', side: 'notion', sync: { dataset: 'highlights', full: true } };
    }
  }
}
