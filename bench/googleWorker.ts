/**
 * One Google dataset run in its own process (bench/google.ts), so its peak memory and CPU time are
 * the sync's alone (the emulators live in the benchmark's process). Like bench/syncWorker.ts, but it
 * runs every step of the dataset (contacts is three: Notion ⇄ Postgres, Google ⇄ Postgres, Notion ⇄
 * Postgres again) and reports what the listings returned, from which the least requests follow.
 * Prints one JSON line.
 *
 * Usage: googleWorker.ts <calendar|gmail|contacts> [full|incremental=incremental] — configured through
 * the environment like the CLI (GOOGLE_CLIENT_ID/SECRET/REFRESH_TOKEN, GOOGLE_API_ROOT, NOTION_…).
 */
import { loadConfig } from '../src/config/index.ts';
import { createRunContext, openMigratedStore } from '../src/cli/app.ts';
import { runDatasetSteps } from '../src/engine/runAll.ts';
import { silentLogger } from '../src/lib/logger.ts';

const [dataset, mode = 'incremental'] = process.argv.slice(2);
const config = loadConfig();
const store = await openMigratedStore(config, silentLogger);
const ds = config.datasets.find((d) => d.name === dataset);
if (!ds) throw new Error(`googleWorker: no dataset "${dataset}"`);
const ctx = createRunContext(config, store, silentLogger);
const google = ctx.google;
if (!google) throw new Error('googleWorker: Google is not configured (GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, GOOGLE_REFRESH_TOKEN)');

// What each listing returned (one entry per call): the "least requests" of a run follow from these.
const listed = {
  calendarEvents: [] as Array<{ items: number; cancelled: number }>,
  gmailIds: [] as number[],
  gmailHistory: [] as Array<{ added: number; deleted: number; labelsChanged: number }>,
  gmailFetched: [] as Array<{ ids: number; unique: number }>,
  people: [] as Array<{ items: number; deleted: number }>,
  notionPages: [] as number[],
  /** Pages a query returned that an earlier query of the same run had already returned. */
  notionRereads: [] as number[],
};
const notionSeen = new Set<string>();
const listEvents = google.calendar.listEvents.bind(google.calendar);
google.calendar.listEvents = async (...args) => {
  const r = await listEvents(...args);
  listed.calendarEvents.push({ items: r.events.length, cancelled: r.events.filter((e) => e.status === 'cancelled').length });
  return r;
};
const listMessageIds = google.gmail.listMessageIds.bind(google.gmail);
google.gmail.listMessageIds = async (...args) => {
  const r = await listMessageIds(...args);
  listed.gmailIds.push(r.length);
  return r;
};
const listHistory = google.gmail.listHistory.bind(google.gmail);
google.gmail.listHistory = async (...args) => {
  const r = await listHistory(...args);
  listed.gmailHistory.push({ added: r.added.length, deleted: r.deleted.length, labelsChanged: r.labelsChanged.length });
  return r;
};
const getMessagesMetadata = google.gmail.getMessagesMetadata.bind(google.gmail);
google.gmail.getMessagesMetadata = async (ids) => {
  listed.gmailFetched.push({ ids: ids.length, unique: new Set(ids).size });
  return getMessagesMetadata(ids);
};
const listConnections = google.people.listConnections.bind(google.people);
google.people.listConnections = async (...args) => {
  const r = await listConnections(...args);
  listed.people.push({ items: r.people.length, deleted: r.people.filter((p) => p.metadata?.deleted).length });
  return r;
};
const queryPages = ctx.notion.queryPages.bind(ctx.notion);
ctx.notion.queryPages = async function* (...args: Parameters<typeof queryPages>) {
  const call = listed.notionPages.push(0) - 1;
  listed.notionRereads.push(0);
  for await (const page of queryPages(...args)) {
    listed.notionPages[call]!++;
    if (notionSeen.has(page.id)) listed.notionRereads[call]!++;
    notionSeen.add(page.id);
    yield page;
  }
};

const statementsBefore = store.statementCount;
const cpuBefore = process.cpuUsage();
const steps = await runDatasetSteps(ctx, ds, { full: mode === 'full' });
const cpu = process.cpuUsage(cpuBefore);
const statements = store.statementCount - statementsBefore;
await store.close();
process.stdout.write(
  JSON.stringify({
    steps: steps.map(({ plan: _plan, ...r }) => r),
    statements,
    listed,
    cpuMs: Math.round((cpu.user + cpu.system) / 1000),
    google: { ...google.stats, waitedMs: Math.round(google.stats.waitedMs) },
    notion: { ...ctx.notion.stats, waitedMs: Math.round(ctx.notion.stats.waitedMs) },
    maxRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
  }) + '\n',
);
