/**
 * `npm run bench:google`: full and incremental syncs of the Google datasets against the Google
 * emulator — calendar (default 5,000 events), gmail (5,000 messages) and contacts (2,000 people,
 * three-way with 2,000 Notion contacts; matched to Google people by email) — rate-limited like a
 * real project (default 50 requests/second, Gmail's 250 quota units/s ÷ 5 per messages.get) with the
 * connector paced to the same rate (GOOGLE_REQUESTS_PER_SECOND).
 *
 * Scenarios, each dataset in the spec's order (contacts, calendar, gmail): a full initial sync; an
 * incremental with nothing changed; an incremental after ~1% changes made through the emulators'
 * control API (events edited and cancelled; messages added, deleted and read or archived; people's
 * phones and names edited); and for contacts an incremental right after (echo check: what the
 * previous run wrote to Notion and Postgres must not come back as writes).
 *
 * Per run: answered requests per API (Calendar, Gmail, People, the OAuth token endpoint, Notion)
 * against the least possible — Calendar ⌈events listed / 2,500⌉ list pages; Gmail full ⌈ids / 500⌉
 * list pages + one get per message + one profile, incremental ⌈history records / 500⌉ history pages
 * + one get per added or relabelled message; People ⌈people listed / 1,000⌉ pages + one write per
 * contact whose content really changes in Google; one token request per process; Notion ⌈pages
 * returned / 100⌉ query pages per query (pages an earlier query of the same run returned do not
 * count: reading them again is waste) + one page write per page created or really changed — then
 * Postgres rows written (rows whose xmin changed) against the least, sync time against the time the
 * rate limits allow, 429s, CPU time and peak RSS of the sync process (each run is a child process,
 * bench/googleWorker.ts), SQL statements. After the changed run, every change is checked to have
 * arrived. Anything off is printed as a PROBLEM line (and the exit code is 1).
 *
 * Options: --events N (5000), --messages N (5000), --contacts N (2000), --change-share S (0.01),
 * --rps R (Google, 50), --notion-rps R (50: the contacts run creates hundreds of Notion pages, which
 * at Notion's real 3 req/s would dominate; bench/twoWay.ts measures that). BENCH_DATABASE_URL set →
 * a fresh database on that server, else PGlite in a temporary folder. Writes
 * bench/results/google-<pglite|postgres>.json.
 */
import { execFile } from 'node:child_process';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs, promisify } from 'node:util';
import { createGoogleEmulator } from '../emulators/google/index.ts';
import { createNotionEmulator } from '../emulators/notion/index.ts';
import { sampleGoogleWorkspace } from '../emulators/samples/googleWorkspace.ts';
import { sampleTwoWayWorkspace } from '../emulators/samples/notionWorkspace.ts';
import { migrate, openStore } from '../src/store/index.ts';
import { benchDatabase, dropBenchDatabase, machine as describeMachine } from './common.ts';

const run = promisify(execFile);
const { values } = parseArgs({
  options: {
    events: { type: 'string', default: '5000' },
    messages: { type: 'string', default: '5000' },
    contacts: { type: 'string', default: '2000' },
    'change-share': { type: 'string', default: '0.01' },
    rps: { type: 'string', default: '50' },
    'notion-rps': { type: 'string', default: '50' },
  },
});
const counts = { events: Number(values.events), messages: Number(values.messages), contacts: Number(values.contacts) };
const changeShare = Number(values['change-share']);
const rps = Number(values.rps);
const notionRps = Number(values['notion-rps']);
if (
  !Object.values(counts).every((n) => Number.isInteger(n) && n >= 20) ||
  !(changeShare > 0 && changeShare <= 0.2) ||
  !(rps > 0 && rps <= 100) ||
  !(notionRps > 0 && notionRps <= 100)
) {
  console.error('usage: npm run bench:google -- [--events N] [--messages N] [--contacts N] (each ≥ 20) [--change-share S (0 < S ≤ 0.2)] [--rps R] [--notion-rps R] (rates ≤ 100)');
  process.exit(2);
}

// Page sizes the connector asks for (src/connectors/google/connector.ts), and Notion's.
const CALENDAR_PAGE = 2500;
const GMAIL_PAGE = 500;
const PEOPLE_PAGE = 1000;
const NOTION_PAGE = 100;
const burst = Math.max(1, Math.round(rps));
const notionBurst = Math.max(1, Math.round(notionRps));
const DAY = 86_400_000;

// ---- the emulators (system clock), each behind our own server that sees every answer's status ----
const client = { GOOGLE_CLIENT_ID: 'jarvis-bench.apps.googleusercontent.com', GOOGLE_CLIENT_SECRET: 'bench-secret', GOOGLE_REFRESH_TOKEN: '1//bench-refresh' };
const sample = sampleGoogleWorkspace({ events: counts.events, messages: counts.messages, people: counts.contacts });
// propagationDelayMs 0: the incremental runs measure the work for the changes made just before them,
// on the real clock; waiting out People's realistic minutes-long delay would only add idle time.
const google = createGoogleEmulator({ seed: sample.seed, refreshTokens: [client.GOOGLE_REFRESH_TOKEN], rateLimit: { requestsPerSecond: rps, burst }, propagationDelayMs: 0 });
const notionToken = 'secret_bench_google';
const { seed: notionSeed, ids: notionIds } = sampleTwoWayWorkspace({ contacts: counts.contacts, meetings: 0, tasks: 0, reflections: 0, journals: 0 });
const notion = createNotionEmulator({ seed: notionSeed, tokens: [notionToken], rateLimit: { requestsPerSecond: notionRps, burst: notionBurst } });

type Api = 'calendar' | 'gmail' | 'people' | 'token' | 'notion';
const APIS: Api[] = ['calendar', 'gmail', 'people', 'token', 'notion'];
interface Traffic {
  /** Answered requests (anything but a rate-limit refusal) per API. */
  answered: Record<Api, number>;
  /** Refused for the rate limit (429; Calendar/Gmail answer 403 userRateLimitExceeded) per API. */
  refused: Record<Api, number>;
  /** Answered requests per endpoint and status, e.g. "GET /gmail/v1/users/me/messages/:id 404". */
  byEndpoint: Record<string, number>;
  /** Message ids of answered messages.get, in order (a repeat is a message fetched twice). */
  messageGets: string[];
  /** Answered People writes (createContact, updateContact, deleteContact). */
  peopleWrites: number;
  /** Answered Notion query / page-write requests. */
  notionQueries: number;
  notionPageWrites: number;
}
const zero = (): Record<Api, number> => ({ calendar: 0, gmail: 0, people: 0, token: 0, notion: 0 });
const newTraffic = (): Traffic => ({ answered: zero(), refused: zero(), byEndpoint: {}, messageGets: [], peopleWrites: 0, notionQueries: 0, notionPageWrites: 0 });
let traffic = newTraffic();

function googleApiOf(path: string): Api {
  if (path.endsWith('/token')) return 'token';
  if (path.startsWith('/calendar/')) return 'calendar';
  if (path.startsWith('/gmail/')) return 'gmail';
  return 'people';
}
/** "GET /gmail/v1/users/me/messages/:id": ids out, so endpoints aggregate. */
function endpointOf(method: string, path: string): string {
  const p = path
    .replace(/^(\/calendar\/v3\/calendars\/)[^/]+/, '$1:id')
    .replace(/^(\/gmail\/v1\/users\/me\/messages\/)[^/]+$/, '$1:id')
    .replace(/^\/v1\/people\/(?!me\/)[^/:]+/, '/v1/people/:id')
    .replace(/^\/v1\/(pages|databases|data_sources|blocks)\/[^/]+/, '/v1/$1/:id');
  return `${method} ${p}`;
}

function observe(kind: 'google' | 'notion', handle: (req: IncomingMessage, res: ServerResponse) => void) {
  return (req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    const api: Api = kind === 'notion' ? 'notion' : googleApiOf(path);
    res.on('finish', () => {
      // No other 403 happens here (no faults, every scope granted): Calendar/Gmail's 403 is userRateLimitExceeded.
      const limited = res.statusCode === 429 || (res.statusCode === 403 && (api === 'calendar' || api === 'gmail'));
      if (limited) {
        traffic.refused[api]++;
        return;
      }
      traffic.answered[api]++;
      const key = `${endpointOf(method, path)} ${res.statusCode}`;
      traffic.byEndpoint[key] = (traffic.byEndpoint[key] ?? 0) + 1;
      if (api === 'gmail' && method === 'GET' && res.statusCode === 200) {
        const m = /^\/gmail\/v1\/users\/me\/messages\/([^/]+)$/.exec(path);
        if (m) traffic.messageGets.push(m[1]!);
      }
      if (api === 'people' && /:(createContact|updateContact|deleteContact)$/.test(path)) traffic.peopleWrites++;
      if (api === 'notion') {
        if (method === 'POST' && /^\/v1\/data_sources\/[^/]+\/query$/.test(path)) traffic.notionQueries++;
        else if ((method === 'PATCH' && /^\/v1\/pages\/[^/]+$/.test(path)) || (method === 'POST' && path === '/v1/pages')) traffic.notionPageWrites++;
      }
    });
    handle(req, res);
  };
}

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<{ server: Server; url: string }> {
  const server = createServer(handler);
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
}
const googleServer = await serve(observe('google', google.handle));
const notionServer = await serve(observe('notion', notion.handle));

const dataDir = mkdtempSync(join(tmpdir(), 'jarvis-bench-google-'));
const databaseUrl = await benchDatabase('jarvis_bench_google');
const backend = databaseUrl ? 'postgres' : 'pglite';
// The sample account's dates are fixed (events from Dec 2025, messages from Aug 2025): the full
// syncs' windows reach back to them, whenever the bench runs.
const sampleAgeDays = Math.ceil((Date.now() - Date.UTC(2025, 7, 1)) / DAY);
const env = {
  ...process.env,
  ...client,
  GOOGLE_API_ROOT: googleServer.url,
  GOOGLE_REQUESTS_PER_SECOND: String(rps),
  GOOGLE_CALENDAR_PAST_DAYS: String(Math.min(3650, sampleAgeDays)),
  GMAIL_QUERY: `newer_than:${sampleAgeDays}d`,
  GMAIL_MAX_MESSAGES: String(counts.messages * 2),
  NOTION_TOKEN: notionToken,
  NOTION_BASE_URL: notionServer.url,
  NOTION_CONTACTS_DATABASE_ID: notionIds.contactsDatabase,
  NOTION_REQUESTS_PER_SECOND: String(notionRps),
  JARVIS_DATA_DIR: dataDir,
  DATABASE_URL: databaseUrl ?? '',
  LOG_LEVEL: 'silent',
};

/** The bench's own connection to the worker's database: PGlite admits one process at a time, so it is closed before each run. */
const openBenchStore = () => openStore(databaseUrl ? { databaseUrl, maxConnections: 1 } : { dataDir: join(dataDir, 'pgdata') });

// ---- what each side looks like: row versions (xmin) in Postgres, contents in Google and Notion ----
const TABLES = { calendar: 'calendar_events', gmail: 'emails', contacts: 'contacts' } as const;
type Dataset = keyof typeof TABLES;
interface Snapshot {
  rows: Record<Dataset, Map<string, string>>;
  links: Map<string, string>;
  /** Google people's synced fields (names, addresses, phones, organizations), by resource name. */
  people: Map<string, string>;
  /** Notion contact pages' properties, by page id. */
  pages: Map<string, string>;
}

/** Google people and Notion contact pages as they are now (taken right before and after each run). */
function remoteSnapshot(): Pick<Snapshot, 'people' | 'pages'> {
  const people = new Map(
    google.people
      .listPeople()
      .map((p) => [p.resourceName!, JSON.stringify([p.names, p.emailAddresses, p.phoneNumbers, p.organizations, p.biographies].map((list) => (list ?? []).map(({ metadata: _m, ...v }) => v)))]),
  );
  const pages = new Map(notion.listPages(notionIds.contactsDataSource).map((p) => [p.id, JSON.stringify((p as { properties: unknown }).properties)]));
  return { people, pages };
}

async function snapshot(): Promise<Snapshot> {
  const store = await openBenchStore();
  try {
    const rows = {} as Snapshot['rows'];
    for (const [ds, table] of Object.entries(TABLES) as Array<[Dataset, string]>) {
      const { rows: r } = await store.query<{ id: string; x: string }>(`SELECT id::text AS id, xmin::text AS x FROM ${table}`);
      rows[ds] = new Map(r.map((x) => [x.id, x.x]));
    }
    const { rows: l } = await store.query<{ id: string; x: string }>(`SELECT dataset || ':' || record_id AS id, xmin::text AS x FROM jarvis_sync.sync_links WHERE dataset LIKE 'contacts%'`);
    return { rows, links: new Map(l.map((x) => [x.id, x.x])), ...remoteSnapshot() };
  } finally {
    await store.close();
  }
}

const changedIn = (before: Map<string, string>, after: Map<string, string>) => [...after].filter(([k, v]) => before.get(k) !== v).length + [...before.keys()].filter((k) => !after.has(k)).length;

// ---- the changes, made through the control APIs -----------------------------------------------
const changeCount = (n: number) => Math.max(2, Math.round(n * changeShare));
/** Evenly spread picks from a list (never the first `skip`, e.g. the sample's recurring events). */
const spread = <T>(list: T[], n: number, skip = 0): T[] => Array.from({ length: n }, (_, k) => list[skip + Math.floor(((k + 0.5) * (list.length - skip)) / n)]!);

interface Changes {
  calendar: { edited: Array<{ id: string; summary: string }>; cancelled: string[] };
  gmail: { added: string[]; deleted: string[]; relabelled: string[] };
  contacts: { phones: Array<{ resourceName: string; e164: string }>; names: Array<{ resourceName: string; name: string }> };
}

function makeChanges(): Changes {
  const n = changeCount(counts.events);
  // Single events only: the sample's first four are recurring or multi-day specials.
  const events = spread(google.calendar.listEvents('primary').filter((e) => !e.recurrence), n, 4);
  const editedEvents = events.filter((_, k) => k % 2 === 0).map((e, k) => ({ id: e.id!, summary: `${e.summary} — moved to room ${k + 1}` }));
  const cancelled = events.filter((_, k) => k % 2 === 1).map((e) => e.id!);
  for (const e of editedEvents) google.calendar.upsertEvent('primary', e);
  for (const id of cancelled) google.calendar.cancelEvent('primary', id);

  // A third each: messages deleted, messages read or archived (label changes), new messages.
  const m = changeCount(counts.messages);
  const live = google.gmail.listMessages().filter((x) => !x.labelIds?.includes('SPAM') && !x.labelIds?.includes('TRASH'));
  const picked = spread(live, m - Math.floor(m / 3));
  const deleted = picked.filter((_, k) => k % 2 === 0).map((x) => x.id!);
  const relabelled = picked.filter((_, k) => k % 2 === 1).map((x) => x.id!);
  for (const id of deleted) google.gmail.deleteMessage(id);
  for (const id of relabelled) {
    const labels = google.gmail.getMessage(id)!.labelIds ?? [];
    if (labels.includes('UNREAD')) google.gmail.modifyLabels(id, [], ['UNREAD']);
    else if (labels.includes('INBOX')) google.gmail.modifyLabels(id, [], ['INBOX']);
    else google.gmail.modifyLabels(id, ['STARRED'], []);
  }
  const people = google.people.listPeople();
  const added = Array.from({ length: Math.floor(m / 3) }, (_, k) => {
    const p = people[(k * 37) % people.length]!;
    return google.gmail.addMessage({ from: `${p.names?.[0]?.displayName ?? 'Someone'} <${p.emailAddresses![0]!.value}>`, to: [sample.userEmail], subject: `Benchmark message ${k + 1}` }).id!;
  });

  const c = changeCount(counts.contacts);
  const edited = spread(people, c);
  const phones = edited.filter((_, k) => k % 2 === 0).map((p, k) => ({ resourceName: p.resourceName!, e164: `+1415555${String(1000 + k).padStart(4, '0')}` }));
  const names = edited.filter((_, k) => k % 2 === 1).map((p, k) => ({ resourceName: p.resourceName!, name: `Renamed Person${k + 1}` }));
  for (const p of phones) google.people.updatePerson(p.resourceName, { phoneNumbers: [{ value: `+1 415-555-${p.e164.slice(-4)}`, type: 'mobile' }] });
  for (const p of names) google.people.updatePerson(p.resourceName, { names: [{ givenName: 'Renamed', familyName: p.name.split(' ')[1]! }] });
  return { calendar: { edited: editedEvents, cancelled }, gmail: { added, deleted, relabelled }, contacts: { phones, names } };
}

/** Every change made through the control API reached Postgres (and Notion, for contacts). */
async function checkArrived(ch: Changes): Promise<string[]> {
  const bad: string[] = [];
  const store = await openBenchStore();
  try {
    const byKey = async (table: string, key: string, keys: string[], cols: string) =>
      new Map((await store.query<Record<string, any>>(`SELECT ${key} AS k, ${cols} FROM ${table} WHERE ${key} = ANY($1::text[])`, [keys])).rows.map((r) => [r.k as string, r]));
    const ev = await byKey('calendar_events', 'google_event_id', [...ch.calendar.edited.map((e) => e.id), ...ch.calendar.cancelled], 'summary, deleted_at');
    for (const e of ch.calendar.edited) if (ev.get(e.id)?.summary !== e.summary || ev.get(e.id)?.deleted_at) bad.push(`calendar: edit of ${e.id} not in Postgres`);
    for (const id of ch.calendar.cancelled) if (!ev.get(id)?.deleted_at) bad.push(`calendar: cancelled ${id} not soft-deleted`);
    const em = await byKey('emails', 'gmail_message_id', [...ch.gmail.added, ...ch.gmail.deleted, ...ch.gmail.relabelled], 'deleted_at, label_ids');
    for (const id of ch.gmail.added) if (!em.get(id) || em.get(id)!.deleted_at) bad.push(`gmail: added ${id} not in Postgres`);
    for (const id of ch.gmail.deleted) if (!em.get(id)?.deleted_at) bad.push(`gmail: deleted ${id} not soft-deleted`);
    for (const id of ch.gmail.relabelled) {
      const want = [...(google.gmail.getMessage(id)!.labelIds ?? [])].sort().join(',');
      if ([...(em.get(id)?.label_ids ?? [])].sort().join(',') !== want) bad.push(`gmail: label change of ${id} not in Postgres`);
    }
    const all = [...ch.contacts.phones, ...ch.contacts.names].map((p) => p.resourceName);
    const co = await byKey('contacts', 'google_resource_name', all, 'name, phones, notion_page_id, deleted_at');
    const page = (rn: string) => (co.get(rn)?.notion_page_id ? (notion.getPage(co.get(rn)!.notion_page_id) as { properties: Record<string, any> } | undefined) : undefined);
    for (const p of ch.contacts.phones) {
      if (!co.get(p.resourceName)?.phones?.includes(p.e164)) bad.push(`contacts: phone edit of ${p.resourceName} not in Postgres`);
      else if (page(p.resourceName)?.properties.Phone?.phone_number !== p.e164) bad.push(`contacts: phone edit of ${p.resourceName} not in Notion`);
    }
    for (const p of ch.contacts.names) {
      if (co.get(p.resourceName)?.name !== p.name) bad.push(`contacts: name edit of ${p.resourceName} not in Postgres (${co.get(p.resourceName)?.name})`);
      else if ((page(p.resourceName)?.properties.Name?.title ?? []).map((t: { plain_text: string }) => t.plain_text).join('') !== p.name) bad.push(`contacts: name edit of ${p.resourceName} not in Notion`);
    }
  } finally {
    await store.close();
  }
  return bad;
}

// ---- one run --------------------------------------------------------------------------------
/** What the changes since the last run call for (null: the least follows from what the listing returned). */
interface Expect {
  /** Postgres rows of the dataset's table that must change; null: every row the run creates (a full sync). */
  rowWrites: number | null;
  /** Gmail incremental: history records since the last run, and messages to fetch. */
  gmailHistory?: number;
  gmailGets?: number;
  /** Notion requests that discover the contacts data source (database, then data source): the first run only. */
  notionDiscovery?: number;
}

interface Row {
  scenario: string;
  dataset: Dataset;
  mode: string;
  listed: string;
  requests: Record<Api, number>;
  least: Record<Api, number>;
  notionDetail: { queries: number; leastQueries: number; pageWrites: number; leastPageWrites: number; other: number; pagesPerQuery: number[]; rereadPerQuery: number[] };
  peopleWrites: { made: number; realChanges: number };
  messageGets: { answered: number; distinct: number };
  rowWrites: number;
  leastRowWrites: number;
  ledgerWrites: number;
  otherTablesWritten: Partial<Record<Dataset, number>>;
  steps: Array<{ dataset: string; status: string; mode: string; created: number; updated: number; deleted: number; restored: number; unchanged: number; errors: number; warnings: string[]; writes: unknown; durationMs: number }>;
  syncS: number;
  processS: number;
  allowedS: number;
  pacing: string;
  r429: number;
  r429ByApi: Partial<Record<Api, number>>;
  retries: number;
  cpuS: number;
  peakRssMb: number;
  stmts: number;
  byEndpoint: Record<string, number>;
}
const rows: Row[] = [];
const problems: string[] = [];
const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
const pages = (n: number, size: number) => Math.max(1, Math.ceil(n / size));

async function scenario(name: string, dataset: Dataset, mode: 'full' | 'incremental', before: Snapshot, expect: Expect): Promise<Snapshot> {
  // Google and Notion as the run finds them (the changes made since the last run included).
  before = { ...before, ...remoteSnapshot() };
  google.resetCounts();
  notion.resetCounts();
  traffic = newTraffic();
  const started = Date.now();
  let stdout: string;
  try {
    ({ stdout } = await run(process.execPath, ['--import', 'tsx', join(import.meta.dirname, 'googleWorker.ts'), dataset, mode], { env, maxBuffer: 64 << 20 }));
  } catch (e) {
    throw new Error(`${name} (${dataset}): the sync process failed: ${(e as { stderr?: string }).stderr?.trim().split('\n').slice(-5).join(' | ') ?? e}`);
  }
  const processS = (Date.now() - started) / 1000;
  const out = JSON.parse(stdout.trim().split('\n').pop()!);
  const after = await snapshot();
  const L = out.listed;

  // The least requests, from what the listings returned and what was changed.
  const least = zero();
  least.token = 1; // one access token per process
  const realPeopleWrites = changedIn(before.people, after.people);
  const pagesCreated = [...after.pages.keys()].filter((id) => !before.pages.has(id)).length;
  const realPageWrites = changedIn(before.pages, after.pages);
  // A page already read earlier in the same run need not be read again (contacts' third step re-reads step 1's window).
  const leastQueries = sum(L.notionPages.map((n: number, i: number) => pages(n - L.notionRereads[i], NOTION_PAGE)));
  if (dataset === 'calendar') least.calendar = sum(L.calendarEvents.map((c: { items: number }) => pages(c.items, CALENDAR_PAGE)));
  if (dataset === 'gmail') {
    if (mode === 'full') {
      const ids = sum(L.gmailIds);
      least.gmail = pages(ids, GMAIL_PAGE) + ids + 1;
    } else least.gmail = pages(expect.gmailHistory ?? 0, GMAIL_PAGE) + (expect.gmailGets ?? 0);
  }
  if (dataset === 'contacts') {
    least.people = sum(L.people.map((p: { items: number }) => pages(p.items, PEOPLE_PAGE))) + realPeopleWrites;
    least.notion = leastQueries + realPageWrites + (expect.notionDiscovery ?? 0);
  }

  const requests = { ...traffic.answered };
  const steps = out.steps as Array<Record<string, any>>;
  const rowWrites = changedIn(before.rows[dataset], after.rows[dataset]);
  const leastRowWrites = expect.rowWrites ?? [...after.rows[dataset].keys()].filter((id) => !before.rows[dataset].has(id)).length;
  const otherTablesWritten = Object.fromEntries(
    (Object.keys(TABLES) as Dataset[]).filter((d) => d !== dataset).map((d) => [d, changedIn(before.rows[d], after.rows[d])]).filter(([, n]) => n),
  );
  const syncS = sum(steps.map((s) => s.durationMs)) / 1000;
  const googleAnswered = requests.calendar + requests.gmail + requests.people + requests.token;
  const allowedS = Math.max(0, (googleAnswered - burst) / rps) + Math.max(0, (requests.notion - notionBurst) / notionRps);
  const listed =
    dataset === 'calendar'
      ? `${sum(L.calendarEvents.map((c: { items: number }) => c.items))} events (${sum(L.calendarEvents.map((c: { cancelled: number }) => c.cancelled))} cancelled)`
      : dataset === 'gmail'
        ? mode === 'full' || L.gmailIds.length
          ? `${sum(L.gmailIds)} ids`
          : `history: +${sum(L.gmailHistory.map((h: { added: number }) => h.added))} −${sum(L.gmailHistory.map((h: { deleted: number }) => h.deleted))} ~${sum(L.gmailHistory.map((h: { labelsChanged: number }) => h.labelsChanged))}`
        : `${sum(L.people.map((p: { items: number }) => p.items))} people, ${L.notionPages.join(' + ')} pages`;
  const row: Row = {
    scenario: name,
    dataset,
    mode: steps.map((s) => s.mode).join('+'),
    listed,
    requests,
    least,
    notionDetail: { queries: traffic.notionQueries, leastQueries, pageWrites: traffic.notionPageWrites, leastPageWrites: realPageWrites, other: requests.notion - traffic.notionQueries - traffic.notionPageWrites, pagesPerQuery: L.notionPages, rereadPerQuery: L.notionRereads },
    peopleWrites: { made: traffic.peopleWrites, realChanges: realPeopleWrites },
    messageGets: { answered: traffic.messageGets.length, distinct: new Set(traffic.messageGets).size },
    rowWrites,
    leastRowWrites,
    ledgerWrites: changedIn(before.links, after.links),
    otherTablesWritten,
    steps: steps.map((s) => ({
      dataset: s.dataset,
      status: s.status,
      mode: s.mode,
      created: s.created,
      updated: s.updated,
      deleted: s.deleted,
      restored: s.restored,
      unchanged: s.unchanged,
      errors: s.errors.length,
      warnings: s.warnings,
      writes: s.writes,
      durationMs: s.durationMs,
    })),
    syncS: Number(syncS.toFixed(1)),
    processS: Number(processS.toFixed(1)),
    allowedS: Number(allowedS.toFixed(1)),
    pacing: syncS > 0 && allowedS > 0 ? `${Math.min(100, Math.round((allowedS / syncS) * 100))}%` : 'n/a',
    r429: sum(Object.values(traffic.refused)),
    r429ByApi: Object.fromEntries(APIS.filter((a) => traffic.refused[a]).map((a) => [a, traffic.refused[a]])),
    retries: out.google.retries + out.notion.retries,
    cpuS: Number((out.cpuMs / 1000).toFixed(1)),
    peakRssMb: out.maxRssMb,
    stmts: out.statements,
    byEndpoint: traffic.byEndpoint,
  };
  rows.push(row);

  const where = `${name} (${dataset})`;
  for (const s of steps) {
    if (s.status !== 'success') problems.push(`${where}: step ${s.dataset} ended ${s.status} — ${s.message}${s.errors.length ? `; e.g. ${s.errors.slice(0, 2).map((e: { key: string; error: string }) => `${e.key}: ${e.error}`).join('; ')}` : ''}`);
  }
  const reread = sum(L.notionRereads);
  const rereadQueries = traffic.notionQueries - leastQueries;
  if (reread) {
    problems.push(
      `${where}: ${reread} Notion pages read twice in one run — the queries returned ${L.notionPages.join(' + ')} pages, of which ${L.notionRereads.join(' + ')} ` +
        `had been returned by an earlier query of the run (${traffic.notionQueries} query requests, least ${leastQueries})`,
    );
  }
  for (const api of APIS) {
    // Notion's excess is reported above when the re-reads explain all of it.
    if (requests[api] > least[api] && !(api === 'notion' && reread && requests[api] - least[api] === rereadQueries)) {
      problems.push(`${where}: ${requests[api]} ${api} requests, least possible ${least[api]}`);
    }
  }
  const counted429 = out.google.rateLimited + out.notion.rateLimited;
  if (counted429 !== row.r429) problems.push(`${where}: the connectors counted ${counted429} rate-limit answers, the emulators sent ${row.r429}`);
  if (row.messageGets.answered > row.messageGets.distinct) problems.push(`${where}: ${row.messageGets.answered - row.messageGets.distinct} Gmail messages fetched twice`);
  if (dataset === 'gmail' && mode === 'full') {
    const listable = google.gmail.listMessages().filter((m) => !m.labelIds?.includes('SPAM') && !m.labelIds?.includes('TRASH')).length;
    if (sum(L.gmailIds) !== listable) problems.push(`${where}: the listing returned ${sum(L.gmailIds)} ids, the mailbox has ${listable} (outside SPAM/TRASH)`);
  }
  if (row.peopleWrites.made > realPeopleWrites) problems.push(`${where}: ${row.peopleWrites.made} People writes, ${realPeopleWrites} changed a contact`);
  if (traffic.notionPageWrites > realPageWrites) problems.push(`${where}: ${traffic.notionPageWrites} Notion page writes, ${realPageWrites} pages really changed (${pagesCreated} created)`);
  if (rowWrites !== leastRowWrites) problems.push(`${where}: ${rowWrites} ${TABLES[dataset]} rows written, expected ${leastRowWrites}`);
  if (expect.rowWrites === 0 && row.ledgerWrites) problems.push(`${where}: ${row.ledgerWrites} sync_links rows rewritten with nothing changed`);
  for (const [d, n] of Object.entries(otherTablesWritten)) problems.push(`${where}: ${n} ${TABLES[d as Dataset]} rows written by the ${dataset} run`);
  console.error(
    `  ${where}: ${APIS.filter((a) => requests[a] || least[a]).map((a) => `${a} ${requests[a]} (${least[a]})`).join(', ')}; ` +
      `${rowWrites} rows written (${leastRowWrites}), ${syncS.toFixed(1)} s (process ${processS.toFixed(1)} s)`,
  );
  return after;
}

let arrived = 'not checked';
const ORDER: Dataset[] = ['contacts', 'calendar', 'gmail'];
let changes: Changes | null = null;
const started = Date.now();
try {
  console.error(
    `jarvis-sync Google bench: ${counts.events} events, ${counts.messages} messages, ${counts.contacts} contacts (+ ${counts.contacts} Notion contacts), ` +
      `Google ${rps} req/s, Notion ${notionRps} req/s, ${databaseUrl ? 'PostgreSQL' : 'PGlite'}`,
  );
  const store = await openBenchStore(); // the tables exist before the first snapshot
  try {
    await migrate(store);
  } finally {
    await store.close();
  }
  let snap = await snapshot();
  for (const ds of ORDER) snap = await scenario('full initial sync', ds, 'full', snap, { rowWrites: null, notionDiscovery: 2 });
  for (const ds of ORDER) snap = await scenario('incremental, 0 changed', ds, 'incremental', snap, { rowWrites: 0, gmailHistory: 0, gmailGets: 0 });
  changes = makeChanges();
  const ch = changes;
  const label = `incremental, ~${+(changeShare * 100).toFixed(2)}% changed`;
  snap = await scenario(label, 'contacts', 'incremental', snap, { rowWrites: ch.contacts.phones.length + ch.contacts.names.length });
  snap = await scenario(label, 'calendar', 'incremental', snap, { rowWrites: ch.calendar.edited.length + ch.calendar.cancelled.length });
  const gmailChanged = ch.gmail.added.length + ch.gmail.deleted.length + ch.gmail.relabelled.length;
  snap = await scenario(label, 'gmail', 'incremental', snap, { rowWrites: gmailChanged, gmailHistory: gmailChanged, gmailGets: ch.gmail.added.length + ch.gmail.relabelled.length });
  snap = await scenario('incremental, echo check', 'contacts', 'incremental', snap, { rowWrites: 0 });
  const bad = await checkArrived(ch);
  for (const b of bad.slice(0, 10)) problems.push(`not arrived: ${b}`);
  arrived = bad.length ? `no (${bad.length} changes missing)` : 'yes';
} finally {
  for (const s of [googleServer.server, notionServer.server]) {
    await new Promise<void>((resolve) => {
      s.close(() => resolve());
      s.closeAllConnections();
    });
  }
  await google.close();
  await notion.close();
  rmSync(dataDir, { recursive: true, force: true });
  if (databaseUrl) await dropBenchDatabase(databaseUrl);
}
const totalS = (Date.now() - started) / 1000;

const machine = describeMachine();
const limits = `Google emulator limited to ${rps} req/s (burst ${burst}), connector paced to the same (GOOGLE_REQUESTS_PER_SECOND=${rps}); Notion emulator ${notionRps} req/s (burst ${notionBurst})`;
console.log(
  `\njarvis-sync Google benchmark — ${counts.events} events, ${counts.messages} messages, ${counts.contacts} contacts (three-way, + ${counts.contacts} Notion contacts), ` +
    `${databaseUrl ? 'PostgreSQL' : 'PGlite'} — ${machine}\n${limits}\n`,
);
const cell = (r: Row, api: Api) => (r.requests[api] || r.least[api] ? `${r.requests[api]} (${r.least[api]})` : '—');
console.table(
  rows.map((r) => ({
    scenario: r.scenario,
    dataset: r.dataset,
    listed: r.listed,
    'Calendar (least)': cell(r, 'calendar'),
    'Gmail (least)': cell(r, 'gmail'),
    'People (least)': cell(r, 'people'),
    'token (least)': cell(r, 'token'),
    'Notion (least)': cell(r, 'notion'),
    'rows written (least)': `${r.rowWrites} (${r.leastRowWrites})`,
    'sync s (process)': `${r.syncS} (${r.processS})`,
    'limit allows s': r.allowedS,
    pacing: r.pacing,
    '429s': r.r429 ? `${r.r429} (${Object.entries(r.r429ByApi).map(([a, n]) => `${n} ${a}`).join(', ')})` : 0,
    'CPU s': r.cpuS,
    'peak RSS MB': r.peakRssMb,
    'SQL stmts': r.stmts,
  })),
);
console.log(
  'requests: answered requests per API (a request refused for the rate limit is in the 429s column); least: Calendar ⌈events listed / 2500⌉ pages; ' +
    'Gmail full ⌈ids / 500⌉ pages + 1 get per id + 1 profile, incremental ⌈history records / 500⌉ pages + 1 get per added or relabelled message; People ⌈people listed / 1000⌉ ' +
    'pages + 1 write per contact really changed; 1 token per sync process; Notion ⌈pages returned / 100⌉ per query (pages an earlier query of the same run ' +
    'returned do not count) + 1 write per page created or really changed ' +
    '(+ 2 to discover the data source, first run only). ' +
    `rows written: rows of the dataset's table whose version (xmin) changed; least for a full sync = rows it created.`,
);
for (const r of rows.filter((x) => x.dataset === 'contacts')) {
  const d = r.notionDetail;
  console.log(
    `contacts, ${r.scenario}: steps ${r.steps.map((s) => `${s.dataset} ${s.mode}`).join(' → ')}; Notion ${d.queries} queries (${d.leastQueries}) returning ${d.pagesPerQuery.join(' + ')} pages` +
      `${sum(d.rereadPerQuery) ? ` (${sum(d.rereadPerQuery)} of them already read earlier in the run)` : ''}, ${d.pageWrites} page writes (${d.leastPageWrites}), ${d.other} other; ` +
      `People writes ${r.peopleWrites.made} (${r.peopleWrites.realChanges} changed a contact); sync_links rows written ${r.ledgerWrites}` +
      (r.requests.notion > 3 ? `; at Notion's real 3 req/s its Notion requests alone would take ≥ ${Math.round((r.requests.notion - 3) / 3)} s` : ''),
  );
}
if (changes) {
  console.log(
    `changes: ${changes.calendar.edited.length} events edited + ${changes.calendar.cancelled.length} cancelled; ` +
      `${changes.gmail.added.length} messages added + ${changes.gmail.deleted.length} deleted + ${changes.gmail.relabelled.length} read or archived; ` +
      `${changes.contacts.phones.length} people's phones + ${changes.contacts.names.length} names edited in Google. Arrived: ${arrived}`,
  );
}
console.log(`whole benchmark ${totalS.toFixed(0)} s`);
for (const p of problems) console.log(`PROBLEM: ${p}`);

mkdirSync(join(import.meta.dirname, 'results'), { recursive: true });
const file = join(import.meta.dirname, 'results', `google-${backend}.json`);
writeFileSync(
  file,
  JSON.stringify({ date: new Date().toISOString(), machine, backend, counts, changeShare, rps, burst, notionRps, notionBurst, limits, changes, arrived, problems, totalS: Math.round(totalS), rows }, null, 2) + '\n',
);
console.log(`\nwritten to ${file}`);
if (problems.length) process.exitCode = 1;
