/**
 * Notion → Postgres without webhooks: each Notion dataset (built in or from the config file) is
 * asked for its recently edited pages — one data source query filtered on `last_edited_time
 * on_or_after` a watermark, which costs one request when nothing changed — and what changed
 * becomes a targeted sync through the webhook dispatcher (settle window, one run per dataset).
 *
 * - Pacing: one dataset at a time, round robin, each at most once per interval; the requests go
 *   through the connector's pacer, the budget the syncs use. The default interval (30 s) is
 *   stretched so that idle polling stays within a tenth of NOTION_REQUESTS_PER_SECOND however many
 *   datasets there are (7 datasets at 3/s: 0.26 requests/s, trash queries included).
 * - Minute granularity: Notion rounds `last_edited_time` down to the minute, so the watermark is the
 *   previous poll's time minus a margin, floored to the minute, with `on_or_after`. A page therefore
 *   comes back for a minute or two after its edit; it is looked at again only when its
 *   (last_edited_time, properties) differ from the last look, so a second edit in the same minute is
 *   seen and an unchanged page costs nothing.
 * - Content, not clocks: a page that did change is compared with what Postgres holds
 *   (src/engine/pollCompare.ts: the row, or the two-way ledger's base). Our own writes (echoes) and
 *   pages a webhook or the schedule already synced equal what is stored: no run.
 * - A page moved to the trash leaves the live query: every tenth poll of a dataset asks for trashed
 *   pages the same way.
 * - A dataset being synced is not polled (its run may be writing to Notion right now); its poll
 *   comes a few seconds after the run, from the same watermark.
 * - With Notion webhooks set up (NOTION_WEBHOOK_VERIFICATION_TOKEN, or a verified handshake), the
 *   poll only backs them up, every `polling.notionBackupSeconds` (300 s) per dataset.
 */
import { createHash } from 'node:crypto';
import type { Config, ResolvedDataset } from '../config/index.ts';
import type { NotionConnector, NotionPage } from '../connectors/notion/types.ts';
import { stableJson } from '../engine/canonical.ts';
import { resolveDataSource, type ResolvedSource } from '../engine/dataSource.ts';
import { pagesToSync } from '../engine/pollCompare.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import type { Sql } from '../store/types.ts';
import type { Freshness } from './freshness.ts';
import type { Timers } from './index.ts';
import type { LagTracker, RunsView } from './lagTracker.ts';

/** Per-dataset interval without webhooks, unless the budget below needs a longer one. */
export const NOTION_POLL_SECONDS = 30;
/** Idle polling may use this share of the Notion request rate. */
export const NOTION_POLL_BUDGET_SHARE = 0.1;
/** Every this many polls of a dataset, one asks for pages moved to the trash. */
export const TRASH_EVERY = 10;
/** The watermark starts this long before the previous poll: clock skew and Notion's indexing delay. */
export const WATERMARK_MARGIN_MS = 60_000;
/** More changed pages than one query page: an incremental run reads them cheaper than a poll would. */
export const MAX_POLLED_PAGES = 100;
/** A dataset busy syncing is looked at again after this long. */
const BUSY_RETRY_MS = 5_000;
/** Longest wait after failed polls (doubling from the interval). */
const MAX_BACKOFF_MS = 15 * 60_000;
/** How often the webhook setup (a verification token stored by a handshake) is looked at again. */
const WEBHOOK_RECHECK_MS = 5 * 60_000;

/** The dispatcher's two signals (WebhookDispatcher satisfies this); what a poll finds is marked 'poll' (the run's trigger). */
export interface ChangeSink {
  touchPage(dataset: string, pageId: string, origin: 'poll'): void;
  touchDataset(dataset: string, origin: 'poll'): void;
}

export interface NotionPollerDeps {
  config: Config;
  store: Sql;
  notion: NotionConnector;
  runs: RunsView;
  dispatcher: ChangeSink;
  freshness: Freshness;
  lags: LagTracker;
  logger: Logger;
  clock: Clock;
  timers: Timers;
  /** Whether Notion webhooks are set up; looked at on start and every 5 minutes. */
  webhooksActive(): Promise<boolean>;
}

/** The Notion datasets a poll covers: enabled, with a database id, synced from Notion. */
export function notionPollDatasets(config: Config): ResolvedDataset[] {
  return config.datasets.filter((d) => d.enabled && d.databaseId && (d.pattern === 'one-way' || d.pattern === 'two-way'));
}

/**
 * Seconds between two polls of one dataset: the configured value, or 30 s stretched so that `count`
 * datasets (a trash query every tenth poll included) stay within a tenth of the request rate.
 */
export function notionPollSeconds(config: Config, count: number, webhooks: boolean): number {
  if (webhooks) return config.polling.notionBackupSeconds;
  if (config.polling.notionSeconds !== null) return config.polling.notionSeconds;
  const perPoll = 1 + 1 / TRASH_EVERY;
  const floor = (count * perPoll) / (NOTION_POLL_BUDGET_SHARE * config.notion.requestsPerSecond);
  return Math.max(NOTION_POLL_SECONDS, Math.ceil(floor));
}

/** Idle requests per second that polling `count` datasets every `seconds` costs. */
export function notionIdleRate(count: number, seconds: number): number {
  return (count * (1 + 1 / TRASH_EVERY)) / seconds;
}

interface Seen {
  editedAt: string;
  fingerprint: string;
}

interface DatasetPoll {
  ds: ResolvedDataset;
  due: number;
  /** When the last live (and trash) query was sent: the next one's watermark, before the margin. */
  liveMark: number;
  trashMark: number;
  polls: number;
  failures: number;
  /** What each page recently returned looked like at the last look. */
  seen: Map<string, Seen>;
  /**
   * The data source and the dataset with its config fields, as sync_state remembered them at the
   * last look. Looking costs a read per Notion dataset, so it is done on the first poll, with each
   * trash query, after a failed poll and when pages changed (to compare them) — not on every idle poll.
   */
  source: ResolvedSource | null;
}

export class NotionPoller {
  private readonly polls: DatasetPoll[];
  private timer: unknown;
  private running: Promise<void> | null = null;
  private stopped = true;
  private webhooks = false;
  private webhooksCheckedAt = -Infinity;
  private intervalMs = NOTION_POLL_SECONDS * 1000;

  constructor(private readonly deps: NotionPollerDeps) {
    this.polls = notionPollDatasets(deps.config).map((ds) => ({ ds, due: 0, liveMark: 0, trashMark: 0, polls: 0, failures: 0, seen: new Map(), source: null }));
  }

  get datasets(): string[] {
    return this.polls.map((p) => p.ds.name);
  }

  /** Seconds between two polls of one dataset, as currently in force. */
  get intervalSeconds(): number {
    return this.intervalMs / 1000;
  }

  async start(): Promise<void> {
    if (!this.stopped || !this.polls.length) return;
    this.stopped = false;
    await this.checkWebhooks(true);
    const now = this.deps.clock.now();
    const step = this.intervalMs / this.polls.length;
    // Spread over the interval: one dataset every interval / count.
    this.polls.forEach((p, i) => {
      p.due = now + step * (i + 1);
      p.liveMark = now;
      p.trashMark = now;
    });
    const rate = notionIdleRate(this.polls.length, this.intervalSeconds);
    this.deps.logger.info(
      { datasets: this.datasets, intervalSeconds: this.intervalSeconds, idleRequestsPerSecond: Number(rate.toFixed(3)), webhooks: this.webhooks },
      this.webhooks
        ? `polling Notion every ${this.intervalSeconds} s per dataset as a backup to its webhooks`
        : `polling Notion for changes (no webhooks): each of ${this.polls.length} dataset(s) every ${this.intervalSeconds} s, ${rate.toFixed(2)} requests/s when idle`,
    );
    this.schedule();
  }

  /** Stops polling; resolves once a poll in progress has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== undefined) this.deps.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.running;
  }

  /** Resolves once the poll in progress (if any) has finished. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    const next = Math.min(...this.polls.map((p) => p.due));
    this.timer = this.deps.timers.setTimeout(() => {
      this.timer = undefined;
      // The time the timer fired at: the poll is scheduled from it, however long the request takes.
      this.running = this.tick(this.deps.clock.now()).finally(() => {
        this.running = null;
        this.schedule();
      });
    }, Math.max(0, next - this.deps.clock.now()));
  }

  private async tick(now: number): Promise<void> {
    const p = this.polls.reduce((a, b) => (b.due < a.due ? b : a));
    if (p.due > now) return;
    try {
      await this.checkWebhooks(false);
      await this.poll(p, now);
    } catch (e) {
      // poll() handles its own failures; this is a bug, never a reason to stop polling.
      this.deps.logger.error({ dataset: p.ds.name, err: (e as Error).message }, 'polling: unexpected failure');
      p.due = now + this.intervalMs;
    }
    this.deps.lags.settle(this.deps.runs, this.deps.clock.now());
  }

  private async checkWebhooks(force: boolean): Promise<void> {
    const now = this.deps.clock.now();
    if (!force && now - this.webhooksCheckedAt < WEBHOOK_RECHECK_MS) return;
    this.webhooksCheckedAt = now;
    let active = this.webhooks;
    try {
      active = await this.deps.webhooksActive();
    } catch (e) {
      this.deps.logger.debug({ err: (e as Error).message }, 'polling: could not check the webhook setup; keeping the current interval');
    }
    const changed = active !== this.webhooks || force;
    this.webhooks = active;
    this.intervalMs = notionPollSeconds(this.deps.config, this.polls.length, active) * 1000;
    if (!changed) return;
    for (const p of this.polls) this.deps.freshness.set(p.ds.name, 'notion', active ? 'webhook' : 'polling', this.intervalSeconds);
    if (!force) this.deps.logger.info({ webhooks: active, intervalSeconds: this.intervalSeconds }, `polling: Notion webhooks are ${active ? 'set up; polling is now a backup' : 'gone; polling for changes'} every ${this.intervalSeconds} s per dataset`);
  }

  private busy(name: string): boolean {
    return this.deps.runs.running().some((r) => r.target === name || r.target === 'all');
  }

  /** One query of one dataset; never throws. */
  private async poll(p: DatasetPoll, sentAt: number): Promise<void> {
    const { clock, logger, store, notion, config } = this.deps;
    const name = p.ds.name;
    if (this.busy(name)) {
      p.due = sentAt + Math.min(BUSY_RETRY_MS, this.intervalMs);
      return;
    }
    // Every tenth poll also asks for pages moved to the trash (they leave the live query).
    const trash = p.polls % TRASH_EVERY === TRASH_EVERY - 1;
    const floorMinute = (t: number) => new Date(Math.floor((t - WATERMARK_MARGIN_MS) / 60_000) * 60_000);
    const pages: NotionPage[] = [];
    let overflow = false;
    let dataset: ResolvedDataset;
    const looked = !p.source || trash;
    try {
      if (looked) p.source = await resolveDataSource(store, notion, p.ds, config.datasets, true);
      const resolved = p.source!;
      dataset = resolved.dataset;
      for (const inTrash of trash ? [false, true] : [false]) {
        const since = floorMinute(inTrash ? p.trashMark : p.liveMark).toISOString();
        for await (const page of notion.queryPages(resolved.dataSourceId, { editedOnOrAfter: since, ...(inTrash ? { inTrash } : {}) })) {
          pages.push(page);
          if (pages.length >= MAX_POLLED_PAGES) {
            overflow = true;
            break;
          }
        }
        if (overflow) break;
      }
    } catch (e) {
      p.source = null;
      p.failures++;
      const waitMs = Math.min(this.intervalMs * 2 ** p.failures, MAX_BACKOFF_MS);
      p.due = clock.now() + waitMs;
      const msg = `polling: could not ask Notion for recent edits of ${name}: ${(e as Error).message}; next try in ${Math.round(waitMs / 1000)} s`;
      if (p.failures === 1) logger.warn({ dataset: name, err: (e as Error).message }, msg);
      else logger.debug({ dataset: name, failures: p.failures }, msg);
      return;
    }
    if (p.failures) logger.info({ dataset: name }, `polling: Notion answers again for ${name}`);
    p.failures = 0;
    p.polls++;
    p.due = sentAt + this.intervalMs;
    // A change the previous query did not show was made after it.
    const mark = p.liveMark;
    const trashMark = p.trashMark;
    p.liveMark = sentAt;
    if (trash) p.trashMark = sentAt;
    this.deps.freshness.polled(name, 'notion', sentAt);

    if (overflow) {
      // A bulk edit: the incremental run reads it from the dataset's cursor.
      logger.info({ dataset: name, pages: pages.length }, `polling: ${pages.length}+ pages of ${name} changed; an incremental sync reads them`);
      this.deps.dispatcher.touchDataset(name, 'poll');
      this.deps.lags.add(name, 'notion', null, mark, sentAt);
      return;
    }
    const fresh = pages.filter((page) => {
      const s = p.seen.get(page.id);
      return !s || s.editedAt !== page.last_edited_time || s.fingerprint !== fingerprint(page);
    });
    this.forgetOld(p);
    if (!fresh.length) return;
    let changed: Set<string>;
    try {
      // Compared with the dataset as it is now (a run may have read a changed schema since the last look).
      if (!looked) {
        p.source = await resolveDataSource(store, notion, p.ds, config.datasets, true);
        dataset = p.source.dataset;
      }
      changed = await pagesToSync(store, config, dataset, fresh);
    } catch (e) {
      // Postgres unreadable: sync them all (the run reports the database), and look again next time.
      logger.debug({ dataset: name, err: (e as Error).message }, 'polling: could not compare the changed pages with Postgres');
      changed = new Set(fresh.map((page) => page.id));
    }
    for (const page of fresh) p.seen.set(page.id, { editedAt: page.last_edited_time, fingerprint: fingerprint(page) });
    if (!changed.size) {
      logger.debug({ dataset: name, pages: fresh.length }, `polling: ${fresh.length} page(s) of ${name} edited, all as Postgres has them (our own writes, or synced already)`);
      return;
    }
    logger.info({ dataset: name, pages: changed.size, trash }, `polling: ${changed.size} changed page(s) of ${name}`);
    for (const page of fresh) {
      if (!changed.has(page.id)) continue;
      this.deps.dispatcher.touchPage(name, page.id, 'poll');
      // Made at or after its (minute-rounded) edit time, and after the last query that did not show it.
      this.deps.lags.add(name, 'notion', page.id, Math.max(Date.parse(page.last_edited_time), page.in_trash ? trashMark : mark), sentAt);
    }
  }

  /** Pages older than both watermarks are never returned again: their memory goes. */
  private forgetOld(p: DatasetPoll): void {
    const oldest = Math.floor((Math.min(p.liveMark, p.trashMark) - WATERMARK_MARGIN_MS) / 60_000) * 60_000;
    for (const [id, s] of p.seen) if (Date.parse(s.editedAt) < oldest) p.seen.delete(id);
  }
}

/** What a page looked like: its properties and trash state. Unchanged between two looks → nothing to do. */
function fingerprint(page: NotionPage): string {
  return createHash('sha256')
    .update(stableJson({ properties: page.properties, in_trash: page.in_trash, archived: page.archived ?? null }))
    .digest('base64url');
}
