/**
 * Error notifications, as the spec describes them: "transient errors suppressed until they repeat
 * 5+ times"; permanent ones (a revoked token, a tripped valve, a schema mismatch, a config problem)
 * at once.
 *
 * The rule, per problem key (see classify.ts; counted by alerts.ts):
 * - each finished run that shows the problem is one occurrence (however many datasets it hit);
 * - transient: one notification at the `transientThreshold`th (5th) occurrence within
 *   `notifications.windowHours` (24 h), whether or not successful runs came between — a problem that
 *   fails every other run is still a problem; occurrences older than the window no longer count;
 * - permanent: one notification at the first occurrence;
 * - a later run where the same dataset (dataset-scoped keys) or the same provider (provider-wide
 *   keys) succeeds without the problem ends a notified incident: one "resolved" message, and the
 *   count starts again from 1 for the next one.
 * One alert per incident, never a reminder: a problem that never recovers is notified once (we
 * chose recovery over a quiet period so a persistent failure cannot page someone every hour).
 * A run where the problem's dataset is locked or skipped says nothing either way.
 *
 * With a store, the counts live in the database (jarvis_sync.alerts): they survive restarts, and
 * the service and `jarvis-sync sync` (cron) count together; each message is sent by exactly one
 * process. Without one, or while the database cannot be reached, the process counts in memory.
 * Delivery failures are logged, never thrown; nothing secret is sent (tokens, the database
 * password and the webhook URL itself — Slack and Discord URLs are credentials — are stripped).
 */
import type { Config } from '../config/index.ts';
import type { Clock } from '../lib/clock.ts';
import { systemClock } from '../lib/clock.ts';
import type { Logger } from '../lib/logger.ts';
import { redactString } from '../store/redact.ts';
import type { RunRecord } from '../scheduler/runManager.ts';
import type { Sql } from '../store/types.ts';
import { createDatabaseLedger, createMemoryLedger, withMemoryFallback, type AlertIncident, type AlertLedger } from './alerts.ts';
import { classifyRun, providerOf, type Problem } from './classify.ts';
import { render, type Notification, type NotifyFormat } from './format.ts';

export type { Notification, NotifyFormat } from './format.ts';
export { render, toDiscord, toJson, toNtfy, toSlack } from './format.ts';
export { classifyMessage, classifyRun, type Problem } from './classify.ts';
export { createDatabaseLedger, createMemoryLedger, type AlertIncident, type AlertLedger } from './alerts.ts';

export interface NotifierOptions {
  config: Pick<Config, 'notifications'> & Partial<Pick<Config, 'notion' | 'google' | 'server' | 'database' | 'webhooks' | 'datasets'>>;
  logger: Logger;
  fetch?: typeof fetch;
  clock?: Clock;
  /** Per delivery attempt; default 10,000 ms. */
  timeoutMs?: number;
  /** Attempts per notification (network errors, 429 and 5xx are retried); default 3. */
  attempts?: number;
  /** The database the counts live in (shared, persistent); without it they live in this process. */
  store?: Sql;
  /** Overrides `store` (tests). */
  ledger?: AlertLedger;
}

export interface Notifier {
  /** Call with every finished run (any trigger). Never throws. */
  recordRun(record: RunRecord): Promise<void>;
  /** Open incidents (counting or notified), for /health-style views and tests. */
  incidents(): Promise<Array<{ key: string; count: number; notified: boolean; firstSeen: string; lastSeen: string }>>;
}

export function createNotifier(opts: NotifierOptions): Notifier {
  const { config, logger } = opts;
  const clock = opts.clock ?? systemClock;
  const fetchImpl = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));
  const threshold = config.notifications.transientThreshold;
  const windowMs = (config.notifications.windowHours ?? 24) * 3_600_000;
  const url = config.notifications.webhookUrl;
  const format: NotifyFormat = config.notifications.format;
  const attempts = Math.max(1, opts.attempts ?? 3);
  const timeoutMs = opts.timeoutMs ?? 10_000;
  const googleDatasets = new Set((config.datasets ?? []).filter((d) => d.pattern === 'calendar' || d.pattern === 'gmail').map((d) => d.name));
  if (!config.datasets) for (const n of ['calendar', 'gmail']) googleDatasets.add(n);
  const secrets = collectSecrets(config);
  const ledger = opts.ledger ?? (opts.store ? withMemoryFallback(createDatabaseLedger(opts.store), logger) : createMemoryLedger());

  const scrub = (s: string) => {
    let out = s;
    for (const secret of secrets) out = out.split(secret).join('[redacted]');
    return redactString(out);
  };

  function toNotification(i: AlertIncident, resolved: boolean): Notification {
    const p = i.problem;
    const where = p.datasets.length ? ` (${p.datasets.join(', ')})` : '';
    const times = i.count === 1 ? 'once' : `${i.count} times`;
    const text = resolved
      ? `Resolved: ${p.summary}${where}. It had failed ${times} since ${i.firstSeen}; the last run at ${i.lastSeen} succeeded.`
      : `${p.summary}${where}. Failed ${times} since ${i.firstSeen} (last at ${i.lastSeen}). Last error: ${p.detail}`;
    return {
      title: scrub(`jarvis-sync${resolved ? ' resolved' : ''}: ${p.summary}`),
      text: scrub(text),
      severity: resolved ? 'info' : p.severity === 'permanent' ? 'critical' : 'warning',
      dataset: p.datasets.length ? p.datasets.join(', ') : p.dataset,
      kind: p.key,
      count: i.count,
      first_seen: i.firstSeen,
      last_seen: i.lastSeen,
      action: scrub(resolved ? 'Nothing; this is for your records.' : p.action),
      resolved,
    };
  }

  async function deliver(n: Notification): Promise<void> {
    if (!url) {
      logger.warn({ kind: n.kind, count: n.count, severity: n.severity }, `${n.title} — ${n.text} What to do: ${n.action} (no NOTIFY_WEBHOOK_URL set: logged only)`);
      return;
    }
    const { headers, body } = render(format, n);
    const target = safeHost(url);
    for (let attempt = 1; attempt <= attempts; attempt++) {
      let failure: string;
      let retryable = true;
      try {
        const res = await fetchImpl(url, { method: 'POST', headers, body, signal: AbortSignal.timeout(timeoutMs) });
        await res.arrayBuffer().catch(() => undefined);
        if (res.ok) {
          logger.info({ kind: n.kind, count: n.count, format, to: target }, `notification sent: ${n.title}`);
          return;
        }
        failure = `HTTP ${res.status}`;
        retryable = res.status === 429 || res.status >= 500;
      } catch (e) {
        failure = scrub((e as Error).message ?? String(e));
      }
      if (!retryable || attempt === attempts) {
        logger.error({ kind: n.kind, format, to: target, attempts: attempt }, `notification could not be delivered to ${target} (${failure}); check NOTIFY_WEBHOOK_URL and NOTIFY_FORMAT`);
        return;
      }
      await clock.sleep(1000 * 2 ** (attempt - 1));
    }
  }

  async function recordRun(record: RunRecord): Promise<void> {
    try {
      const now = new Date(clock.now()).toISOString();
      const { problems, succeeded } = classifyRun(record, googleDatasets);
      const failing = new Set(problems.map((p) => p.key));
      const outgoing: Notification[] = [];

      for (const p of problems) {
        const { incident, fire } = await ledger.occur(p, { now, windowMs, threshold: p.severity === 'permanent' ? 1 : threshold });
        logger.debug({ kind: p.key, count: incident.count, severity: p.severity, state: incident.state }, 'sync problem recorded');
        if (fire) outgoing.push(toNotification(incident, false));
      }

      for (const i of await ledger.notified()) {
        if (failing.has(i.key) || !recovered(i.problem, succeeded, googleDatasets)) continue;
        const resolved = await ledger.resolve(i.key, now);
        if (!resolved) continue; // another process said so already
        logger.info({ kind: i.key, count: resolved.count }, `sync problem over: ${resolved.problem.summary}`);
        outgoing.push(toNotification(resolved, true));
      }

      for (const n of outgoing) await deliver(n);
    } catch (e) {
      logger.error({ err: scrub((e as Error).message ?? String(e)), run: record.id }, 'notifier failed to process a run (no notification sent)');
    }
  }

  return {
    recordRun,
    incidents: async () =>
      (await ledger.incidents()).map((i) => ({ key: i.key, count: i.count, notified: i.state === 'notified', firstSeen: i.firstSeen, lastSeen: i.lastSeen })),
  };
}

/**
 * A success proves a problem over when it exercised what failed: the same dataset for
 * dataset-scoped problems, any dataset of the same provider for provider-wide ones, any dataset
 * for Postgres and configuration problems.
 */
function recovered(p: Problem, succeeded: string[], googleDatasets: ReadonlySet<string>): boolean {
  if (!succeeded.length) return false;
  if (p.dataset) return succeeded.includes(p.dataset);
  if (p.provider === 'notion' || p.provider === 'google') return succeeded.some((d) => providerOf(d, googleDatasets) === p.provider);
  if (p.key === 'config:notion_token') return succeeded.some((d) => providerOf(d, googleDatasets) === 'notion');
  return true;
}

/** Values that must never leave the process, whatever an error message echoes. */
function collectSecrets(config: NotifierOptions['config']): string[] {
  const out = [
    config.notion?.token,
    config.google?.credentials?.clientSecret,
    config.google?.credentials?.refreshToken,
    config.server?.apiToken,
    config.webhooks?.notionVerificationToken,
    config.webhooks?.googleChannelToken,
    config.notifications.webhookUrl,
  ];
  try {
    if (config.database?.url) out.push(decodeURIComponent(new URL(config.database.url).password));
  } catch {
    // an unparseable URL was refused by the config already
  }
  return out.filter((s): s is string => typeof s === 'string' && s.length >= 6);
}

/** The webhook URL's host only: its path is a credential for Slack and Discord. */
function safeHost(url: string): string {
  try {
    return new URL(url).host;
  } catch {
    return '(invalid URL)';
  }
}
