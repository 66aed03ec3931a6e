/**
 * Turns a finished run into the problems it shows, each under a stable key — the unit the
 * notifier counts (`notion:rate_limited`, `google:auth`, `postgres:connection`, `valve:books`).
 *
 * Provider-wide problems (a token, a rate limit, the database) have provider-wide keys, so one
 * incident across eleven datasets counts once per run; problems of one dataset (a valve, its
 * mapping, its records) carry the dataset in the key.
 *
 * The engine reports a run that failed as a whole by its message (RunResult.message, or the
 * record's `error`), and record failures with a `kind`; both are read here. The messages are the
 * connectors' and the engine's own, normalized once at the source, so the patterns below are few.
 */
import { summarize, type RecordError, type RunResult } from '../engine/result.ts';
import type { RunRecord } from '../scheduler/runManager.ts';

export type Provider = 'notion' | 'google' | 'postgres' | 'config' | 'jarvis-sync';

export interface Problem {
  key: string;
  /** permanent: notify at once; transient: notify once it has repeated `transientThreshold` times. */
  severity: 'permanent' | 'transient';
  provider: Provider;
  /** Set for dataset-scoped keys; provider-wide keys list the datasets in `datasets`. */
  dataset: string | null;
  datasets: string[];
  /** What failed, one line: "Notion rejected the token". */
  summary: string;
  /** What to do. */
  action: string;
  /** The underlying error message (redacted later, before anything leaves the process). */
  detail: string;
}

interface Rule {
  test: RegExp;
  make: (ctx: { dataset: string | null; message: string }) => Omit<Problem, 'datasets' | 'detail'>;
}

const GOOGLE_REAUTH = 'run `jarvis-sync auth google` and put the new GOOGLE_REFRESH_TOKEN in .env';

/** First match wins. Each message here is one the connectors or the engine produce. */
const RULES: Rule[] = [
  {
    test: /^Safety valve triggered/i,
    make: ({ dataset }) => ({
      key: `valve:${dataset ?? 'all'}`,
      severity: 'permanent',
      provider: 'jarvis-sync',
      dataset,
      summary: `${dataset ?? 'a dataset'}: the safety valve stopped a full sync (the source returned far fewer records than Postgres holds); nothing was changed`,
      action: `Check that the Notion database is still shared with the integration and that its id is the right one (jarvis-sync doctor); preview with \`jarvis-sync sync ${dataset ?? '<dataset>'} --full --dry-run\`.`,
    }),
  },
  {
    test: /^Deletion valve triggered/i,
    make: ({ dataset }) => ({
      key: `valve:${dataset ?? 'all'}`,
      severity: 'permanent',
      provider: 'jarvis-sync',
      dataset,
      summary: `${dataset ?? 'a dataset'}: the deletion valve stopped a run that would have deleted many records; nothing was changed`,
      action: `Check the source for a mass deletion; if it is intended, run \`jarvis-sync sync ${dataset ?? '<dataset>'} --force\` once.`,
    }),
  },
  {
    test: /does not match the mapping/i,
    make: ({ dataset }) => ({
      key: `schema:${dataset ?? 'all'}`,
      severity: 'permanent',
      provider: 'notion',
      dataset,
      summary: `${dataset ?? 'a dataset'}: the Notion database no longer matches the mapping (a property was renamed, deleted or changed type)`,
      action: `Do what the message says for each property: change it back in Notion, or map the field to its new name in the config file (datasets.${dataset ?? '<dataset>'}.properties.<field>, or datasets.${dataset ?? '<dataset>'}.fields.<column>.property for fields you added); nothing is written until then. \`jarvis-sync doctor\` lists what is missing, \`jarvis-sync setup\` adds "Supabase ID".`,
    }),
  },
  {
    test: /NOTION_TOKEN is not set/,
    make: () => ({
      key: 'config:notion_token',
      severity: 'permanent',
      provider: 'config',
      dataset: null,
      summary: 'NOTION_TOKEN is not set',
      action: 'Set NOTION_TOKEN to the internal integration secret (https://www.notion.so/my-integrations) in .env or the environment, and restart.',
    }),
  },
  {
    test: /data directory .* is in use/i,
    make: () => ({
      key: 'postgres:data_dir_in_use',
      severity: 'permanent',
      provider: 'postgres',
      dataset: null,
      summary: 'the embedded database is in use by another process',
      action: 'Stop the other jarvis-sync process, or set DATABASE_URL to a Postgres server that several processes can share.',
    }),
  },
  {
    test: /Cannot connect to Postgres|Postgres at DATABASE_URL .* is unavailable|database connections of this process are in use|Connection terminated|terminating connection|the database system is (starting up|shutting down|in recovery)|ECONNREFUSED.*:5432/i,
    make: () => ({
      key: 'postgres:connection',
      severity: 'transient',
      provider: 'postgres',
      dataset: null,
      summary: 'Postgres could not be reached',
      action: 'Check that the database server is running and reachable from here, and DATABASE_URL (host, port, password, sslmode).',
    }),
  },
  // Google: the token endpoint first (a refused refresh token), then the APIs.
  {
    test: /^Google access token refresh failed.*\((?:\d+ )?(invalid_grant|invalid_client|unauthorized_client|invalid_scope|access_denied)\b/i,
    make: () => ({
      key: 'google:auth',
      severity: 'permanent',
      provider: 'google',
      dataset: null,
      summary: 'Google refused the refresh token (revoked, expired or issued to another client)',
      action: `Authorize again: ${GOOGLE_REAUTH}. Tokens of an OAuth app in "Testing" status expire after 7 days; publish the app to avoid that.`,
    }),
  },
  {
    test: /^Google .*\(401\b/i,
    make: () => ({
      key: 'google:auth',
      severity: 'permanent',
      provider: 'google',
      dataset: null,
      summary: 'Google rejected the credentials',
      action: `Check GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET, then ${GOOGLE_REAUTH}.`,
    }),
  },
  {
    test: /^Google .*\(403 (insufficientPermissions|ACCESS_TOKEN_SCOPE_INSUFFICIENT|forbidden)\b/i,
    make: () => ({
      key: 'google:scope',
      severity: 'permanent',
      provider: 'google',
      dataset: null,
      summary: 'Google refused access: the refresh token lacks a permission jarvis-sync needs',
      action: `${GOOGLE_REAUTH[0]!.toUpperCase()}${GOOGLE_REAUTH.slice(1)}, and tick every permission on Google's consent screen.`,
    }),
  },
  {
    test: /^Google .*\(403 (accessNotConfigured|SERVICE_DISABLED)\b/i,
    make: () => ({
      key: 'google:api_disabled',
      severity: 'permanent',
      provider: 'google',
      dataset: null,
      summary: 'a Google API is not enabled for the OAuth client\'s project',
      action: 'Enable the Google Calendar API, Gmail API and People API in the Google Cloud console (APIs & Services → Library) for the project of GOOGLE_CLIENT_ID.',
    }),
  },
  {
    test: /^Google .*\((429|403 (rateLimitExceeded|userRateLimitExceeded|quotaExceeded|RATE_LIMIT_EXCEEDED))\b/i,
    make: () => ({
      key: 'google:rate_limited',
      severity: 'transient',
      provider: 'google',
      dataset: null,
      summary: 'Google kept rate-limiting jarvis-sync',
      action: 'Lower GOOGLE_REQUESTS_PER_SECOND, or stop other jobs using the same Google project; it usually clears by itself.',
    }),
  },
  {
    test: /^Google /,
    make: () => ({
      key: 'google:transient',
      severity: 'transient',
      provider: 'google',
      dataset: null,
      summary: 'Google requests kept failing',
      action: 'Usually a Google outage or a network problem: check https://www.google.com/appsstatus and this machine\'s connectivity.',
    }),
  },
  {
    // src/store/adoptTables.ts: the dataset's table would lose data or is incomplete; nothing was synced.
    test: /^not syncing [a-z_]+: /,
    make: ({ dataset }) => ({
      key: `postgres:table:${dataset ?? 'all'}`,
      severity: 'permanent',
      provider: 'postgres',
      dataset,
      summary: `${dataset ?? 'a dataset'}: its Postgres table does not fit what jarvis-sync writes; nothing was synced`,
      action: 'Apply the fix the message names (an ALTER, datasets.<name>.table or datasets.<name>.adopt in the config), then run `jarvis-sync migrate`; `jarvis-sync doctor` checks every table.',
    }),
  },
  // Notion: the connector's messages are "Notion <operation> failed (<status> <code>): …".
  {
    test: /^Notion .*\(401\b|Notion rejected the token|No Notion token configured/i,
    make: () => ({
      key: 'notion:auth',
      severity: 'permanent',
      provider: 'notion',
      dataset: null,
      summary: 'Notion rejected the token',
      action: 'Check NOTION_TOKEN: the integration secret may have been regenerated or the integration removed (https://www.notion.so/my-integrations).',
    }),
  },
  {
    test: /^Notion .*\((403|404)\b|No Notion database or data source .* is visible|returned only a partial (database|data source)/i,
    make: ({ dataset }) => ({
      key: `notion:access:${dataset ?? 'all'}`,
      severity: 'permanent',
      provider: 'notion',
      dataset,
      summary: `${dataset ?? 'a dataset'}: the integration cannot see its Notion database`,
      action: `Share the database with the integration in Notion (••• → Connections) and check ${dataset ? `NOTION_${dataset.toUpperCase()}_DATABASE_ID` : 'the database id'}; \`jarvis-sync doctor\` checks each one.`,
    }),
  },
  {
    test: /^Notion .*\(400\b|refused the request as invalid/i,
    make: ({ dataset }) => ({
      key: `notion:validation:${dataset ?? 'all'}`,
      severity: 'permanent',
      provider: 'notion',
      dataset,
      summary: `${dataset ?? 'a dataset'}: Notion refuses jarvis-sync's requests as invalid`,
      action: `Usually the Notion database changed under the mapping: run \`jarvis-sync doctor\`; if it finds nothing, report the message below as a bug.`,
    }),
  },
  {
    test: /^Notion .*\((429|529)\b|rate_limited|throttling this integration/i,
    make: () => ({
      key: 'notion:rate_limited',
      severity: 'transient',
      provider: 'notion',
      dataset: null,
      summary: 'Notion kept rate-limiting jarvis-sync',
      action: 'Lower NOTION_REQUESTS_PER_SECOND, or stop other jobs using the same integration token; it usually clears by itself.',
    }),
  },
  {
    test: /^Notion /,
    make: () => ({
      key: 'notion:transient',
      severity: 'transient',
      provider: 'notion',
      dataset: null,
      summary: 'Notion requests kept failing',
      action: 'Usually a Notion outage or a network problem: check https://www.notion-status.com and this machine\'s connectivity.',
    }),
  },
];

/** A run-level failure message (or thrown error) → its problem. Unknown messages get a per-target key. */
export function classifyMessage(message: string, dataset: string | null): Omit<Problem, 'datasets'> {
  for (const rule of RULES) if (rule.test.test(message)) return { ...rule.make({ dataset, message }), detail: message };
  return {
    key: `error:${dataset ?? 'all'}`,
    severity: 'transient',
    provider: 'jarvis-sync',
    dataset,
    summary: `${dataset ?? 'a sync'} failed`,
    action: 'Read the message below and the sync_logs rows of the run (`jarvis-sync status`); if it looks like a bug, report it with the log line.',
    detail: message,
  };
}

/** Which provider a dataset step reads from (Postgres is on the other side of every one). */
export function providerOf(dataset: string, googleDatasets: ReadonlySet<string>): 'notion' | 'google' {
  return googleDatasets.has(dataset) || dataset.endsWith('_google') ? 'google' : 'notion';
}

/** Record failures (the run went on; these records are retried next run). */
function classifyRecordErrors(r: RunResult, provider: 'notion' | 'google'): Array<Omit<Problem, 'datasets'>> {
  const problems = new Map<string, Omit<Problem, 'datasets'>>();
  const recordErrors: RecordError[] = [];
  for (const e of r.errors) {
    if (e.kind === 'auth' || e.kind === 'rate_limited' || e.kind === 'transient') {
      // The provider's own trouble surfacing on single records: the keys of a whole-run failure.
      const p = classifyMessage(e.error, r.dataset);
      const key = p.key.startsWith(`${provider}:`) ? p.key : `${provider}:${e.kind}`;
      if (!problems.has(key)) problems.set(key, { ...p, key, provider, severity: e.kind === 'auth' ? 'permanent' : 'transient' });
    } else recordErrors.push(e);
  }
  if (recordErrors.length) {
    problems.set(`records:${r.dataset}`, {
      key: `records:${r.dataset}`,
      severity: 'transient',
      provider,
      dataset: r.dataset,
      summary: `${r.dataset}: records failed to sync (they are retried every run)`,
      action: `Look at the ${r.dataset}_record rows in sync_logs (\`jarvis-sync status\` shows the latest): usually a value Postgres or ${provider === 'google' ? 'Google' : 'Notion'} refuses — fix it at the source.`,
      detail: `${recordErrors.length} record error(s), e.g.: ${recordErrors[0]!.error}`,
    });
  }
  return [...problems.values()];
}

/** The engine's one-line summary (summarize()): the run itself went through, some records failed. */
const SUMMARY_LINE = /^\S+: (full|incremental)( \(dry run\))? — \d+ /;

export interface Classified {
  problems: Problem[];
  /** Datasets whose step succeeded in this run (evidence that their problems are over). */
  succeeded: string[];
}

/** Everything a finished run says about the health of its datasets and providers. */
export function classifyRun(record: RunRecord, googleDatasets: ReadonlySet<string>): Classified {
  const found = new Map<string, Problem>();
  const add = (p: Omit<Problem, 'datasets'>, dataset: string | null) => {
    const prev = found.get(p.key);
    if (prev) {
      if (dataset && !prev.datasets.includes(dataset)) prev.datasets.push(dataset);
      return;
    }
    found.set(p.key, { ...p, datasets: dataset ? [dataset] : [] });
  };
  const succeeded: string[] = [];
  for (const r of record.results) {
    if (r.status === 'success') succeeded.push(r.dataset);
    else if (r.status === 'aborted') {
      // Only the valves abort a dataset run; their messages say which.
      const p = classifyMessage(r.message, r.dataset);
      add(p.key.startsWith('valve:') ? p : { ...classifyMessage(`Safety valve triggered: ${r.message}`, r.dataset), detail: r.message }, r.dataset);
    } else if (r.status === 'error') {
      const failedAsAWhole = r.errors.length === 0 || (r.message !== summarize(r) && !SUMMARY_LINE.test(r.message));
      if (failedAsAWhole) add(classifyMessage(r.message || 'failed without a message', r.dataset), r.dataset);
      for (const p of classifyRecordErrors(r, providerOf(r.dataset, googleDatasets))) add(p, r.dataset);
    }
    // 'locked' (another instance runs it) and 'skipped' (not configured) say nothing either way.
  }
  // A run that failed as a whole (the store could not be opened, an exception outside a dataset).
  // An 'aborted' record without failing steps is a shutdown that stopped it: not a sync failure.
  if (record.status === 'error' && found.size === 0) {
    const dataset = record.target === 'all' ? null : record.target;
    if (record.error) add(classifyMessage(record.error, dataset), dataset);
    else if (!record.results.some((r) => r.status === 'success' || r.status === 'locked')) add(classifyMessage('the run failed without a message', dataset), dataset);
  }
  return { problems: [...found.values()], succeeded };
}
