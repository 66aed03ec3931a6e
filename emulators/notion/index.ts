/**
 * A stateful Notion API emulator the unmodified official SDK can talk to:
 * `new Client({ auth: 'any-token', baseUrl: emulator.url })`.
 * See emulators/notion/README.md for behaviour and the choices made where Notion is undocumented.
 */
import { EmulatorServer } from '../shared/http.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { FaultInjector } from './faults.ts';
import type { ApiContext } from './handlers.ts';
import { IdGenerator, normalizeId, seededRandom } from './ids.ts';
import { QueryEngine } from './query.ts';
import { RateLimiter } from './rate-limit.ts';
import { CONTROL_VERSION, renderPage } from './render.ts';
import { SearchEngine } from './search.ts';
import { applySeed } from './seed.ts';
import { createRequestHandler } from './server.ts';
import type { NotionEmulator, NotionEmulatorOptions, PageObject, QueryOverride, Timers } from './types.ts';
import type { PageRecord } from './records.ts';
import { WebhookSender } from './webhooks.ts';
import { Workspace } from './workspace.ts';

export type * from './types.ts';
export { loadSeedFile } from './seed.ts';
export { NotionError } from './errors.ts';

/** Fixed ids so tests can assert on last_edited_by without asking the emulator. */
export const DEFAULT_BOT_ID = 'b0b0b0b0-0000-4000-8000-00000000b07a';
export const DEFAULT_PERSON_ID = 'e0e0e0e0-0000-4000-8000-0000000e5e55';
export const BOT_NAME = 'jarvis-sync (emulated integration)';
export const PERSON_NAME = 'Emulated Person';

const unrefTimers: Timers = {
  setTimeout: (fn, ms) => setTimeout(fn, Math.max(0, ms)).unref(),
  clearTimeout: (h) => clearTimeout(h as ReturnType<typeof setTimeout>),
};

export function createNotionEmulator(opts: NotionEmulatorOptions = {}): NotionEmulator {
  const clock = opts.clock ?? systemClock;
  const botId = normalizeId(opts.botId ?? DEFAULT_BOT_ID) ?? DEFAULT_BOT_ID;
  const personId = DEFAULT_PERSON_ID;
  const ws = new Workspace(clock, new IdGenerator());
  ws.userNames.set(botId, BOT_NAME);
  ws.userNames.set(personId, PERSON_NAME);
  const overrides = new Map<string, QueryOverride>();
  const cap = opts.queryResultCap ?? 10_000;
  const api: ApiContext = {
    ws,
    queries: new QueryEngine(ws, { cap: () => cap, now: () => clock.now(), me: () => botId }),
    search: new SearchEngine(ws),
    overrides,
    botId,
    personId,
    now: () => clock.now(),
  };
  // Real timers only make sense on the real clock; a test's clock brings its own (or flushes).
  const timers = opts.timers ?? (clock === systemClock ? unrefTimers : null);
  const webhooks = new WebhookSender({ ws, clock, botId, fetch: opts.webhookFetch, timers, ...opts.webhookTiming });
  ws.onPageEvent = (e) => webhooks.onPageEvent(e);
  ws.onSchemaEvent = (e) => webhooks.onSchemaEvent(e);
  const limiter = new RateLimiter(clock);
  limiter.set(opts.rateLimit ?? null);
  const faults = new FaultInjector(opts.random ?? seededRandom(1));
  const counts = new Map<string, number>();
  const serve = createRequestHandler({
    api,
    clock,
    tokens: opts.tokens ? new Set(opts.tokens) : null,
    limiter,
    faults,
    counts,
  });
  // Any request is a moment the emulator notices time: webhooks due by now go out.
  const handle: typeof serve = (req, res) => {
    webhooks.pump();
    serve(req, res);
  };

  // Control reads are deep copies: callers may mutate them without touching the workspace.
  const controlView = (p: PageRecord) => structuredClone(renderPage(ws, p, CONTROL_VERSION, { truncate: false, now: clock.now() })) as PageObject;


  const http = new EmulatorServer('Notion', handle, opts.recorder);
  const emulator: NotionEmulator = {
    listen: (port, host) => http.listen(port, host),
    close: () => {
      webhooks.close();
      return http.close();
    },
    get url() {
      return http.url;
    },
    handle,

    seed(seed) {
      applySeed(ws, seed, personId);
    },
    createDatabase(def) {
      const [ds] = applySeed(ws, { databases: [def] }, personId);
      return { databaseId: ds.databaseId, dataSourceId: ds.id };
    },
    createPage(dataSourceId, properties, o = {}) {
      const ds = ws.dataSource(dataSourceId);
      const page = ws.createPage(ds, properties, personId, {
        id: o.id,
        createdTime: o.createdTime !== undefined ? Date.parse(o.createdTime) : undefined,
      });
      return controlView(page);
    },
    updatePage(pageId, properties) {
      return controlView(ws.updatePage(ws.page(pageId), properties, personId));
    },
    trashPage(pageId, inTrash = true) {
      return controlView(ws.updatePage(ws.page(pageId), undefined, personId, { inTrash }));
    },
    getPage(pageId) {
      const id = normalizeId(pageId);
      const page = id ? ws.pages.get(id) : undefined;
      return page ? controlView(page) : undefined;
    },
    listPages(dataSourceId, o = {}) {
      return ws.dataSource(dataSourceId).pages.filter((p) => o.includeTrashed || !p.inTrash).map(controlView);
    },

    editPageContent(pageId) {
      const page = ws.page(pageId);
      ws.editContent(page, personId);
      return controlView(page);
    },
    movePage(pageId, dataSourceId) {
      const page = ws.page(pageId);
      ws.movePage(page, ws.dataSource(dataSourceId), personId);
      return controlView(page);
    },
    updateSchema(dataSourceId, properties) {
      ws.editSchema(ws.dataSource(dataSourceId), properties, personId);
    },

    setWebhook(sub) {
      webhooks.set(sub);
    },
    sendVerification(url, verificationToken) {
      return webhooks.sendVerification(url, verificationToken);
    },
    pauseWebhooks() {
      webhooks.pause();
    },
    resumeWebhooks() {
      webhooks.resume();
    },
    flushWebhooks() {
      return webhooks.flush();
    },
    get webhookDeliveries() {
      return webhooks.deliveries;
    },
    get pendingWebhooks() {
      return webhooks.pending;
    },

    setRateLimit(limit) {
      limiter.set(limit);
    },
    setFaults(f) {
      faults.set(f);
    },
    setQueryOverride(dataSourceId, mode) {
      const ds = ws.dataSource(dataSourceId);
      if (mode === null) overrides.delete(ds.id);
      else overrides.set(ds.id, mode);
    },
    get requestCounts() {
      return Object.fromEntries(counts);
    },
    totalRequests() {
      let n = 0;
      for (const c of counts.values()) n += c;
      return n;
    },
    resetCounts() {
      counts.clear();
    },
    get faultsInjected() {
      return faults.injected;
    },
    get botId() {
      return botId;
    },
    get personId() {
      return personId;
    },
  };
  if (opts.seed) emulator.seed(opts.seed);
  return emulator;
}
