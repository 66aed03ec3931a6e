/**
 * `jarvis-sync doctor`: checks everything a sync needs, one ✓/✗ line each, with what to fix.
 *
 *   config          the environment, .env and the config file parse and validate
 *   database        reachable; every migration applied
 *   Notion          the token works (users/me); each configured database is visible and has
 *                   the properties its mapping expects (as the engine checks on first discovery)
 *   Google          the refresh token yields an access token; one cheap call per API in use
 *   server          SYNC_API_TOKEN is set when HOST is not loopback
 *   schedule, notifications   what is configured (informational)
 *
 * Nothing is written anywhere. Exit 0 when every check passed, 1 otherwise (a line marked · is
 * information, not a failure).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { calendar } from '@googleapis/calendar';
import { gmail } from '@googleapis/gmail';
import { people } from '@googleapis/people';
import { OAuth2Client } from 'google-auth-library';
import { ConfigError, loadConfig, type Config, type ResolvedDataset } from '../../config/index.ts';
import { GOOGLE_TOKEN_URL, normalizeGoogleError, type GoogleApi } from '../../connectors/google/index.ts';
import { createNotionConnector, type DataSourceInfo, type NotionConnector } from '../../connectors/notion/index.ts';
import { syncOrder } from '../../datasets/index.ts';
import { checkMapping, describeMappingProblems, syncedSources } from '../../datasets/mappingCheck.ts';
import { silentLogger, type Logger } from '../../lib/logger.ts';
import { planDatasetTables, refusalMessage, describeAdditions, type TablePlan } from '../../store/adoptTables.ts';
import { connectionAdvice } from '../../store/connectionAdvice.ts';
import { createScheduler } from '../../scheduler/index.ts';
import { appliedVersions, DataDirInUseError, detectLegacyLayout, loadMigrations, openStore, publicNamesNotOurs, type Store } from '../../store/index.ts';
import { describePooling, detectTransactionPooling } from '../../store/poolerDetect.ts';
import { UsageError, type ParsedCommand } from '../args.ts';

export interface CheckResult {
  name: string;
  /** true ✓, false ✗, null · (information). */
  ok: boolean | null;
  detail: string;
  /** What to do, for a failed check. */
  fix?: string;
}

export interface DoctorOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  configPath?: string;
  logger?: Logger;
  /** Per network check; default 15,000 ms. */
  timeoutMs?: number;
}

export async function doctorCommand(cmd: ParsedCommand, out: (s: string) => void, opts: DoctorOptions = {}): Promise<number> {
  if (cmd.positionals.length > 0) throw new UsageError(`doctor takes no arguments (got ${cmd.positionals.join(' ')})`);
  const results: CheckResult[] = [];
  const report = (r: CheckResult) => {
    results.push(r);
    out(formatCheck(r));
  };
  await runChecks(report, { ...opts, configPath: opts.configPath ?? (typeof cmd.flags.config === 'string' ? cmd.flags.config : undefined) });
  const failed = results.filter((r) => r.ok === false);
  out('');
  out(failed.length ? `${failed.length} problem${failed.length > 1 ? 's' : ''} found.` : 'All checks passed.');
  return failed.length ? 1 : 0;
}

export function formatCheck(r: CheckResult): string {
  const mark = r.ok === true ? '✓' : r.ok === false ? '✗' : '·';
  return `${mark} ${r.name}: ${r.detail}${r.ok === false && r.fix ? `\n    → ${r.fix}` : ''}`;
}

/** Runs every check in turn, reporting each as soon as it is known. */
export async function runChecks(report: (r: CheckResult) => void, opts: DoctorOptions = {}): Promise<void> {
  const logger = opts.logger ?? silentLogger;
  const timeoutMs = opts.timeoutMs ?? 15_000;
  let config: Config;
  try {
    config = loadConfig({ env: opts.env, cwd: opts.cwd, configPath: opts.configPath });
  } catch (e) {
    if (!(e instanceof ConfigError)) throw e;
    report({ name: 'config', ok: false, detail: e.message, fix: 'fix the setting named above (environment, .env or the config file), then run doctor again' });
    return;
  }
  report({ name: 'config', ok: true, detail: config.configFile ? `valid (${config.configFile} and the environment)` : 'valid (environment only; no config file)' });

  // One connection (for PGlite: one boot of the database) serves every database check.
  const opened = await openForChecks(config);
  try {
    report(await checkDatabase(config, opened));
    // What the URL itself says (no TLS to Supabase, the transaction pooler): information, one line
    // each, whether or not the database answered — the IPv6 or TLS problem may be why it did not.
    if (config.database.url) {
      for (const a of connectionAdvice(config.database.url, opts.env ?? process.env)) report({ name: 'database', ok: null, detail: a.level === 'warn' ? `warning: ${a.message}` : a.message });
    }
    if (config.database.url) report(await checkPooling(config.database.url));
    await checkDatasetTables(config, opened, report);
  } finally {
    if (opened && 'store' in opened) await opened.store.close();
  }
  await checkNotion(config, report, { logger, timeoutMs });
  await checkGoogle(config, report, timeoutMs);
  if (!config.notion.token && !config.google.credentials) {
    report({ name: 'sources', ok: false, detail: 'neither Notion nor Google is configured: nothing would sync', fix: 'set NOTION_TOKEN (and NOTION_<DATASET>_DATABASE_ID), or run `jarvis-sync auth google`' });
  }
  report(checkServer(config));
  report(checkSchedule(config));
  report(checkNotifications(config));
}

/** The database opened for the checks; null when the embedded one does not exist yet; the error when it cannot be opened. */
type OpenedForChecks = { store: Store } | { error: unknown } | null;

async function openForChecks(config: Config): Promise<OpenedForChecks> {
  if (!config.database.url && !existsSync(join(config.database.dataDir, 'pgdata'))) return null;
  try {
    return { store: await openStore(config.database.url ? { databaseUrl: config.database.url, maxConnections: 1 } : { dataDir: join(config.database.dataDir, 'pgdata') }) };
  } catch (e) {
    return { error: e };
  }
}

async function checkDatabase(config: Config, opened: OpenedForChecks): Promise<CheckResult> {
  const name = 'database';
  const where = config.database.url ? describeUrl(config.database.url) : `embedded PGlite in ${join(config.database.dataDir, 'pgdata')}`;
  if (!opened) {
    return { name, ok: true, detail: `${where} (not created yet: the first sync or \`jarvis-sync migrate\` creates it)` };
  }
  if ('error' in opened) {
    const e = opened.error;
    if (e instanceof DataDirInUseError) return { name, ok: null, detail: `${e.message.split(';')[0]} (the running service holds it; stop it to check the database itself)` };
    return { name, ok: false, detail: (e as Error).message, fix: config.database.url ? 'check DATABASE_URL and that the server accepts connections from here' : `check that ${config.database.dataDir} is writable` };
  }
  const store = opened.store;
  try {
    const { rows } = await store.query<{ v: string }>(`SELECT current_setting('server_version') AS v`);
    const version = rows[0]?.v ? `PostgreSQL ${rows[0].v.split(' ')[0]}` : 'PostgreSQL';
    if (await detectLegacyLayout(store)) {
      return { name, ok: false, detail: `${where} (${version}) was migrated by an earlier jarvis-sync, which kept its bookkeeping in schema public`, fix: 'run `jarvis-sync migrate` (the service also does when it starts): it moves sync_state, sync_logs and the ledger into schema jarvis_sync, data kept' };
    }
    const applied = await appliedVersions(store);
    const pending = (await loadMigrations()).filter((m) => !applied.has(m.version));
    if (pending.length) {
      return { name, ok: false, detail: `${where} (${version}) is reachable, but ${pending.length} migration(s) are not applied: ${pending.map((m) => m.file).join(', ')}`, fix: 'run `jarvis-sync migrate` (the service also applies them when it starts)' };
    }
    // Not a failure (jarvis-sync never reads them), but the spec's queries on these names would read
    // another tool's table instead of jarvis-sync's.
    const notOurs = (await publicNamesNotOurs(store)).map((n) => `\`${n}\` in schema public is not jarvis-sync's (another tool's): jarvis-sync's is jarvis_sync.${n}, query that one`);
    return { name, ok: true, detail: `${where} (${version}), ${applied.size} migrations applied${notOurs.map((s) => `; ${s}`).join('')}` };
  } catch (e) {
    return { name, ok: false, detail: `${where}: ${(e as Error).message}`, fix: 'check that the database user may read and create tables' };
  }
}

/**
 * One line per dataset table: what migrate would do with it, and whether every column jarvis-sync
 * reads or writes has a type that holds its values (src/store/adoptTables.ts). Silent when the
 * database cannot be opened or is not migrated yet: the database check says so already.
 */
async function checkDatasetTables(config: Config, opened: OpenedForChecks, report: (r: CheckResult) => void): Promise<void> {
  if (!opened || !('store' in opened)) return;
  const store = opened.store;
  try {
    const { rows } = await store.query<{ ok: boolean }>(`SELECT to_regclass('jarvis_sync.owned_tables') IS NOT NULL AS ok`);
    if (!rows[0]?.ok) return;
    for (const plan of await planDatasetTables(store, config.datasets)) report(datasetTableCheck(plan));
  } catch (e) {
    report({ name: 'dataset tables', ok: false, detail: (e as Error).message, fix: 'check that the database user may read the catalog (pg_catalog)' });
  }
}

function datasetTableCheck(plan: TablePlan): CheckResult {
  const name = `table ${plan.spec.table}`;
  const migrate = 'run `jarvis-sync migrate` (the service also does when it starts)';
  switch (plan.action) {
    case 'none': {
      const by = plan.owner?.how === 'adopted' ? 'adopted' : plan.owner?.how === 'legacy' ? 'made by an earlier jarvis-sync' : 'created by jarvis-sync';
      return { name, ok: true, detail: `the ${plan.spec.columns.length} columns jarvis-sync uses fit; indexes and trigger in place (dataset ${plan.dataset}, ${by})` };
    }
    case 'create':
      return { name, ok: null, detail: `does not exist yet (dataset ${plan.dataset}); \`jarvis-sync migrate\` (or the next start) creates it` };
    case 'complete':
      return { name, ok: false, detail: `lacks ${describeAdditions(plan)} (dataset ${plan.dataset})`, fix: migrate };
    case 'adopt':
      return { name, ok: false, detail: `not created by jarvis-sync; datasets.${plan.dataset}.adopt is set and its columns fit: migrate will add ${describeAdditions(plan) || 'nothing'} and record it as adopted`, fix: migrate };
    case 'skip':
      return {
        name,
        ok: null,
        detail: plan.owner
          ? `${plan.dataset} is disabled; left alone although it does not fit: ${plan.conflicts.map((c) => `${c.column} is ${c.actual}`).concat(plan.problems).join('; ')}`
          : `${plan.dataset} is disabled and this table is not jarvis-sync's: left alone, not checked`,
      };
    case 'refuse':
      return {
        name,
        ok: false,
        // The line already names the table: the refusal without its "table … (dataset …): " lead.
        detail: refusalMessage(plan).replace(/^table \S+ \(dataset \S+\): /, '').replaceAll('\n', '\n    '),
        fix: plan.owner ? 'change the columns as shown (jarvis-sync never retypes a column itself), then run doctor again' : 'take one of the ways out above, then run `jarvis-sync migrate`',
      };
  }
}

function describeUrl(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.username ? `${decodeURIComponent(u.username)}@` : ''}${u.hostname}${u.port ? `:${u.port}` : ''}${u.pathname}`;
  } catch {
    return 'DATABASE_URL';
  }
}

async function checkNotion(config: Config, report: (r: CheckResult) => void, opts: { logger: Logger; timeoutMs: number }): Promise<void> {
  const notionDatasets = config.datasets.filter((d) => d.pattern === 'one-way' || d.pattern === 'two-way').sort((a, b) => syncOrder.indexOf(a.name) - syncOrder.indexOf(b.name));
  if (!config.notion.token) {
    report({ name: 'Notion', ok: null, detail: 'NOTION_TOKEN is not set: the Notion datasets are skipped' });
    return;
  }
  const notion = createNotionConnector({
    token: config.notion.token,
    baseUrl: config.notion.baseUrl,
    requestsPerSecond: config.notion.requestsPerSecond,
    burst: config.notion.burst,
    maxRetries: 1,
    timeoutMs: opts.timeoutMs,
    logger: opts.logger,
  });
  try {
    const me = await notion.whoami();
    report({ name: 'Notion', ok: true, detail: `the token works: integration "${me.name ?? me.id}"${me.workspaceName ? ` in workspace "${me.workspaceName}"` : ''}` });
  } catch (e) {
    report({ name: 'Notion', ok: false, detail: (e as Error).message, fix: 'set NOTION_TOKEN to the secret of your internal integration (https://www.notion.so/my-integrations)' });
    return;
  }
  const dataSourceOf = new Map<string, string>();
  const unconfigured: ResolvedDataset[] = [];
  for (const ds of notionDatasets) {
    if (!ds.enabled) {
      report({ name: ds.name, ok: null, detail: 'disabled in the config file' });
      continue;
    }
    if (!ds.databaseId) {
      unconfigured.push(ds);
      continue;
    }
    report(await checkDataset(notion, ds, dataSourceOf, config.datasets));
  }
  if (unconfigured.length) {
    report({ name: 'not configured', ok: null, detail: `${unconfigured.map((d) => d.name).join(', ')} (set ${unconfigured.map((d) => d.databaseIdEnv).join(', ')} to sync them)` });
  }
}

/** The check a run makes when it discovers the data source (datasets/mappingCheck.ts), as a report. */
async function checkDataset(notion: NotionConnector, ds: ResolvedDataset, dataSourceOf: Map<string, string>, datasets: ResolvedDataset[]): Promise<CheckResult> {
  let info: DataSourceInfo;
  try {
    info = await notion.resolveDataSource(ds.databaseId!);
  } catch (e) {
    return { name: ds.name, ok: false, detail: (e as Error).message, fix: `check ${ds.databaseIdEnv} and share the database with the integration in Notion (••• → Connections)` };
  }
  dataSourceOf.set(ds.name, info.dataSourceId);
  const { problems } = checkMapping(ds, info.properties, { sources: syncedSources(datasets, dataSourceOf) });
  const title = `"${info.title || 'Untitled'}"`;
  if (problems.length) {
    const rowIdMissing = problems.some((p) => p.about === 'row-id' && p.missing);
    const others = problems.filter((p) => !(p.about === 'row-id' && p.missing));
    const key = others.length && others.every((p) => p.about === 'field') ? 'fields' : 'properties';
    const fix = rowIdMissing && problems.length === 1 ? 'run `jarvis-sync setup` to add it' : `rename the properties in Notion, or map yours in the config file (datasets.${ds.name}.${key})${rowIdMissing ? '; `jarvis-sync setup` adds the row id property' : ''}`;
    return { name: ds.name, ok: false, detail: `${title}: ${describeMappingProblems(problems)}`, fix };
  }
  const mapped = ds.fields.length + (ds.configFields?.length ?? 0);
  return { name: ds.name, ok: true, detail: `${title} is visible and has all ${mapped} mapped properties${ds.rowIdProperty ? ` and "${ds.rowIdProperty}"` : ''}` };
}

async function checkGoogle(config: Config, report: (r: CheckResult) => void, timeoutMs: number): Promise<void> {
  const c = config.google.credentials;
  if (!c) {
    report({ name: 'Google', ok: null, detail: 'not configured: calendar, gmail and the Google side of contacts are skipped (`jarvis-sync auth google` sets it up)' });
    return;
  }
  const apiRoot = config.google.apiRoot;
  const auth = new OAuth2Client({
    clientId: c.clientId,
    clientSecret: c.clientSecret,
    endpoints: apiRoot ? { oauth2TokenUrl: `${apiRoot}/token` } : undefined,
    transporterOptions: { retry: false, timeout: timeoutMs },
  });
  auth.setCredentials({ refresh_token: c.refreshToken });
  const secrets = [c.clientSecret, c.refreshToken];
  const failure = (e: unknown, api: GoogleApi) => normalizeGoogleError(e, { api, tokenUrl: apiRoot ? `${apiRoot}/token` : GOOGLE_TOKEN_URL, secrets }).message;
  try {
    await auth.getAccessToken();
    report({ name: 'Google', ok: true, detail: 'the refresh token yields an access token' });
  } catch (e) {
    report({ name: 'Google', ok: false, detail: failure(e, 'oauth'), fix: 'run `jarvis-sync auth google` and put the new GOOGLE_REFRESH_TOKEN in .env (and check GOOGLE_CLIENT_ID/SECRET)' });
    return;
  }
  const options = { auth, retry: false, timeout: timeoutMs, ...(apiRoot ? { rootUrl: `${apiRoot}/` } : {}) };
  const enabled = (name: string) => config.datasets.some((d) => d.enabled && (d.name === name || (name === 'people' && d.google === 'people')));
  const checks: Array<{ name: string; api: GoogleApi; use: string; call: () => Promise<unknown> }> = [
    { name: 'Google Calendar', api: 'calendar', use: 'calendar', call: () => calendar({ version: 'v3', ...options }).events.list({ calendarId: config.google.calendarId, maxResults: 1, singleEvents: true }) },
    { name: 'Gmail', api: 'gmail', use: 'gmail', call: () => gmail({ version: 'v1', ...options }).users.getProfile({ userId: 'me' }) },
    { name: 'Google People', api: 'people', use: 'people', call: () => people({ version: 'v1', ...options }).people.connections.list({ resourceName: 'people/me', pageSize: 1, personFields: 'names' }) },
  ];
  for (const check of checks) {
    if (!enabled(check.use)) continue;
    try {
      await check.call();
      report({ name: check.name, ok: true, detail: check.api === 'calendar' ? `calendar "${config.google.calendarId}" is readable` : 'reachable with this token' });
    } catch (e) {
      report({
        name: check.name,
        ok: false,
        detail: failure(e, check.api),
        fix: `enable the API in the Google Cloud console for the project of GOOGLE_CLIENT_ID, or run \`jarvis-sync auth google\` again and grant every permission${check.api === 'calendar' ? ` (and check GOOGLE_CALENDAR_ID)` : ''}`,
      });
    }
  }
}

const LOOPBACK = /^(127\.\d+\.\d+\.\d+|::1|\[::1\]|localhost)$/i;

function checkServer(config: Config): CheckResult {
  const { host, port, apiToken } = config.server;
  if (LOOPBACK.test(host)) {
    return { name: 'server', ok: true, detail: `listens on ${host}:${port}${apiToken ? ', SYNC_API_TOKEN set' : ' (loopback only; set SYNC_API_TOKEN to serve other machines)'}` };
  }
  if (!apiToken) {
    return { name: 'server', ok: false, detail: `HOST=${host} is not a loopback address and SYNC_API_TOKEN is not set: the service refuses to start that way`, fix: 'set SYNC_API_TOKEN to a long random value (e.g. `openssl rand -hex 32`), or HOST=127.0.0.1' };
  }
  if (apiToken.length < 16) {
    return { name: 'server', ok: false, detail: `SYNC_API_TOKEN is only ${apiToken.length} characters long, and HOST=${host} exposes the API`, fix: 'use at least 32 random characters (e.g. `openssl rand -hex 32`)' };
  }
  return { name: 'server', ok: true, detail: `listens on ${host}:${port}, protected by SYNC_API_TOKEN` };
}

function checkSchedule(config: Config): CheckResult {
  if (!config.schedule.enabled) return { name: 'schedule', ok: null, detail: 'disabled: syncs run only on request' };
  try {
    const noRuns = { start: () => ({ conflict: 'doctor' }) };
    const next = createScheduler({ runs: noRuns, config, logger: silentLogger }).nextRuns();
    const tz = config.schedule.timezone ?? 'local time';
    return { name: 'schedule', ok: true, detail: `${next.map((n) => `${n.name} "${n.cron}" (next ${n.at ?? 'never'})`).join(', ')} — ${tz}` };
  } catch (e) {
    return { name: 'schedule', ok: false, detail: (e as Error).message, fix: 'fix schedule in the config file' };
  }
}

function checkNotifications(config: Config): CheckResult {
  const { webhookUrl, format, transientThreshold, windowHours } = config.notifications;
  if (!webhookUrl) return { name: 'notifications', ok: null, detail: 'none: set NOTIFY_WEBHOOK_URL (and NOTIFY_FORMAT: json, slack, discord or ntfy) to be told when syncs fail' };
  let host = 'the webhook';
  try {
    host = new URL(webhookUrl).host;
  } catch {
    // validated by the config already
  }
  return { name: 'notifications', ok: true, detail: `${format} to ${host}; transient errors once ${transientThreshold} runs within ${windowHours} h have failed with them (successes between or not), permanent ones at once` };
}

/** Transaction pooler or not, observed (src/store/poolerDetect.ts): information, since jarvis-sync works through both. */
async function checkPooling(databaseUrl: string): Promise<CheckResult> {
  try {
    return { name: 'pooler', ok: null, detail: describePooling(await detectTransactionPooling(databaseUrl)) };
  } catch (e) {
    return { name: 'pooler', ok: null, detail: `not checked: ${(e as Error).message}` };
  }
}
