/**
 * Google → Postgres without a public URL: the Calendar sync token, the People sync token and the
 * Gmail history id the last run stored are asked, on a short interval, what changed since — each an
 * incremental request that costs one call when nothing did. Something new becomes an incremental run
 * of that dataset through the dispatcher (touchDataset); the run, not the poll, reads the changes
 * and moves the cursor, so a poll never loses anything.
 *
 * - The same changes keep coming back until a run moves the cursor: a dataset is touched once per
 *   distinct set of changes (ids and etags), not on every poll.
 * - Contacts: a person whose contact etag equals the one stored on its row is jarvis-sync's own
 *   write coming back (People shows writes to sync requests minutes later): no run.
 * - An expired cursor (Calendar 410, People EXPIRED_SYNC_TOKEN, Gmail 404) is left to the next
 *   scheduled run, which does the one full resync; until the cursor changes that dataset costs
 *   nothing (no request, one log line).
 * - Other failures back off (doubling, up to 15 minutes), one warning per streak.
 * - Calendar with its push channel set up (GOOGLE_CALENDAR_WEBHOOK_TOKEN) is polled only as a
 *   backup, every `polling.googleBackupSeconds`.
 */
import type { Config, ResolvedDataset } from '../config/index.ts';
import { errorKind } from '../connectors/errors.ts';
import type { GoogleConnector } from '../connectors/google/types.ts';
import type { Clock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { quoteIdent, readState, stateKeys } from '../store/index.ts';
import type { Sql } from '../store/types.ts';
import type { Freshness } from './freshness.ts';
import type { Timers } from './index.ts';
import type { LagTracker, RunsView } from './lagTracker.ts';
import type { ChangeSink } from './notionPoller.ts';

const BUSY_RETRY_MS = 5_000;
const MAX_BACKOFF_MS = 15 * 60_000;

export type GoogleFeed = 'calendar' | 'gmail' | 'people';

export interface GooglePollerDeps {
  config: Config;
  store: Sql;
  google: GoogleConnector;
  runs: RunsView;
  dispatcher: ChangeSink;
  freshness: Freshness;
  lags: LagTracker;
  logger: Logger;
  clock: Clock;
  timers: Timers;
}

interface FeedPoll {
  feed: GoogleFeed;
  ds: ResolvedDataset;
  /** The run step that writes this feed's changes (contacts' Google leg is its own step). */
  step: string;
  intervalMs: number;
  due: number;
  /** When the last poll was sent (a change it did not show happened after it). */
  lastPollAt: number;
  failures: number;
  /** A cursor Google refused as expired: not asked again until a run stores another. */
  deadCursor: string | null;
  /** The cursor and changes last handed to the dispatcher. */
  touched: string | null;
}

interface Found {
  /** Stable description of the changes (ids and versions). */
  changes: string[];
  /** When the newest change was made, if Google says (else: after the previous poll). */
  changedAt: number | null;
}

/** The Google feeds to poll: the enabled Google datasets, when Google is configured. */
export function googlePollFeeds(config: Config): Array<{ feed: GoogleFeed; ds: ResolvedDataset }> {
  if (!config.google.credentials) return [];
  const out: Array<{ feed: GoogleFeed; ds: ResolvedDataset }> = [];
  for (const ds of config.datasets) {
    if (!ds.enabled) continue;
    if (ds.pattern === 'calendar') out.push({ feed: 'calendar', ds });
    else if (ds.pattern === 'gmail') out.push({ feed: 'gmail', ds });
    else if (ds.google === 'people') out.push({ feed: 'people', ds });
  }
  return out;
}

export class GooglePoller {
  private readonly polls: FeedPoll[];
  private timer: unknown;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(private readonly deps: GooglePollerDeps) {
    const { polling, webhooks } = deps.config;
    this.polls = googlePollFeeds(deps.config).map(({ feed, ds }) => ({
      feed,
      ds,
      step: feed === 'people' ? `${ds.name}_google` : ds.name,
      intervalMs: (feed === 'calendar' && webhooks.googleChannelToken ? polling.googleBackupSeconds : polling.googleSeconds) * 1000,
      due: 0,
      lastPollAt: 0,
      failures: 0,
      deadCursor: null,
      touched: null,
    }));
  }

  get feeds(): GoogleFeed[] {
    return this.polls.map((p) => p.feed);
  }

  start(): void {
    if (!this.stopped || !this.polls.length) return;
    this.stopped = false;
    const now = this.deps.clock.now();
    this.polls.forEach((p, i) => {
      p.due = now + (p.intervalMs / this.polls.length) * (i + 1);
      p.lastPollAt = now;
      const push = p.feed === 'calendar' && Boolean(this.deps.config.webhooks.googleChannelToken);
      this.deps.freshness.set(p.ds.name, 'google', push ? 'webhook' : 'polling', p.intervalMs / 1000);
    });
    this.deps.logger.info(
      { feeds: this.polls.map((p) => `${p.feed} every ${p.intervalMs / 1000} s`) },
      `polling Google for changes: ${this.polls.map((p) => `${p.feed} every ${p.intervalMs / 1000} s`).join(', ')}`,
    );
    this.schedule();
  }

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
      await this.poll(p, now);
    } catch (e) {
      this.deps.logger.error({ feed: p.feed, err: (e as Error).message }, 'polling: unexpected failure');
      p.due = this.deps.clock.now() + p.intervalMs;
    }
    this.deps.lags.settle(this.deps.runs, this.deps.clock.now());
  }

  /** One incremental request for one feed; never throws. */
  private async poll(p: FeedPoll, sentAt: number): Promise<void> {
    const { clock, logger } = this.deps;
    const name = p.ds.name;
    if (this.deps.runs.running().some((r) => r.target === name || r.target === 'all')) {
      p.due = sentAt + Math.min(BUSY_RETRY_MS, p.intervalMs);
      return;
    }
    p.due = sentAt + p.intervalMs;
    let cursor: string | null;
    try {
      cursor = await this.cursor(p);
    } catch (e) {
      logger.debug({ feed: p.feed, err: (e as Error).message }, 'polling: could not read the stored Google cursor');
      return;
    }
    if (!cursor) {
      logger.debug({ feed: p.feed }, `polling: no ${p.feed} cursor stored yet; the first run of ${name} makes one`);
      return;
    }
    if (cursor === p.deadCursor) return;
    let found: Found;
    try {
      found = await this.ask(p, cursor);
    } catch (e) {
      if (errorKind(e) === 'sync_token_expired') {
        p.deadCursor = cursor;
        p.failures = 0;
        logger.info({ feed: p.feed, dataset: name }, `polling: Google no longer accepts the stored ${p.feed} cursor; the next scheduled run of ${name} does a full resync, and polling resumes after it`);
        return;
      }
      p.failures++;
      const waitMs = Math.min(p.intervalMs * 2 ** p.failures, MAX_BACKOFF_MS);
      p.due = clock.now() + waitMs;
      const msg = `polling: could not ask Google for ${p.feed} changes: ${(e as Error).message}; next try in ${Math.round(waitMs / 1000)} s`;
      if (p.failures === 1) logger.warn({ feed: p.feed, err: (e as Error).message }, msg);
      else logger.debug({ feed: p.feed, failures: p.failures }, msg);
      return;
    }
    if (p.failures) logger.info({ feed: p.feed }, `polling: Google answers again for ${p.feed}`);
    p.failures = 0;
    const previousPoll = p.lastPollAt;
    p.lastPollAt = sentAt;
    this.deps.freshness.polled(name, 'google', sentAt);
    if (!found.changes.length) return;
    const signature = `${cursor}\u0000${[...found.changes].sort().join('\u0001')}`;
    if (signature === p.touched) return; // already handed over; the run has not moved the cursor yet
    p.touched = signature;
    logger.info({ feed: p.feed, dataset: name, changes: found.changes.length }, `polling: ${found.changes.length} ${p.feed} change(s); an incremental sync of ${name} reads them`);
    this.deps.dispatcher.touchDataset(name, 'poll');
    this.deps.lags.add(name, 'google', null, found.changedAt ?? previousPoll, sentAt, p.step);
  }

  private async cursor(p: FeedPoll): Promise<string | null> {
    const { store, config } = this.deps;
    switch (p.feed) {
      case 'calendar': {
        const token = await readState(store, stateKeys.calendarSyncToken);
        // A token is only good for the calendar it came from; another one configured → the run starts over.
        return token && (await readState(store, stateKeys.calendarSyncCalendarId)) === config.google.calendarId ? token : null;
      }
      case 'gmail':
        return readState(store, stateKeys.gmailHistoryId);
      case 'people':
        return readState(store, stateKeys.peopleSyncToken);
    }
  }

  private async ask(p: FeedPoll, cursor: string): Promise<Found> {
    const { google, config } = this.deps;
    switch (p.feed) {
      case 'calendar': {
        const { events } = await google.calendar.listEvents(config.google.calendarId, { syncToken: cursor });
        const times = events.map((e) => Date.parse(e.updated ?? '')).filter((t) => Number.isFinite(t));
        return { changes: events.map((e) => `${e.id}@${e.etag ?? e.updated ?? e.status ?? ''}`), changedAt: times.length ? Math.max(...times) : null };
      }
      case 'gmail': {
        const h = await google.gmail.listHistory(cursor);
        return { changes: [...h.added.map((id) => `+${id}`), ...h.deleted.map((id) => `-${id}`), ...h.labelsChanged.map((id) => `~${id}`)], changedAt: null };
      }
      case 'people': {
        const { people } = await google.people.listConnections({ syncToken: cursor });
        return this.peopleChanges(p.ds, people);
      }
    }
  }

  /** People listed since the token, minus those whose row already holds that contact version (our own writes). */
  private async peopleChanges(ds: ResolvedDataset, people: Awaited<ReturnType<GoogleConnector['people']['listConnections']>>['people']): Promise<Found> {
    if (!people.length) return { changes: [], changedAt: null };
    const names = people.map((x) => x.resourceName).filter((x): x is string => Boolean(x));
    const { rows } = await this.deps.store.query<{ google_resource_name: string; google_etag: string | null }>(
      `SELECT google_resource_name, google_etag FROM ${quoteIdent(ds.table)} WHERE google_resource_name = ANY($1::text[])`,
      [names],
    );
    const etags = new Map(rows.map((r) => [r.google_resource_name, r.google_etag]));
    const changes: string[] = [];
    let changedAt: number | null = null;
    for (const person of people) {
      const name = person.resourceName ?? '';
      const source = person.metadata?.sources?.find((s) => s.type === 'CONTACT');
      if (person.metadata?.deleted) {
        // Deleted in Google: news only while a row is still linked to it.
        if (etags.has(name)) changes.push(`-${name}`);
        continue;
      }
      const etag = source?.etag ?? person.etag ?? null;
      if (etag !== null && etags.get(name) === etag) continue;
      changes.push(`${name}@${etag ?? ''}`);
      const t = Date.parse(source?.updateTime ?? '');
      if (Number.isFinite(t)) changedAt = Math.max(changedAt ?? t, t);
    }
    return { changes, changedAt };
  }
}
