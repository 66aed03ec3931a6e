import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { DEFAULT_ROW_ID_PROPERTY, presetDatasets } from '../datasets/index.ts';
import { configFieldsOf, userDataset } from '../datasets/fromConfig.ts';
import type { DatasetDescriptor } from '../datasets/types.ts';
import { ConfigError } from './errors.ts';
import { configFileSchema, type ConfigFile, type DatasetOverride } from './schema.ts';

export interface ResolvedDataset extends DatasetDescriptor {
  /** Notion database or data source id; null when not configured (the dataset is skipped). */
  databaseId: string | null;
  enabled: boolean;
  /** `datasets.<name>.adopt`: migrate may complete an existing table that jarvis-sync did not create. */
  adopt: boolean;
  /**
   * The dataset's own columns (extraColumns: calendar's and gmail's) that `datasets.<name>.columns`
   * renames, default name → the column's name; `extraColumns` and `indexes` already carry the new
   * names, `key` the default one. The code that writes them names them by default:
   * columnName(ds, 'calendar_id').
   */
  columnNames?: Record<string, string>;
}

/** Columns the updated_at trigger ignores by name (0004_updated_at_truthful.sql): never renamed. */
const TRIGGER_BOOKKEEPING = ['google_resource_name', 'google_etag', 'google_updated_at'];

/** The column a dataset's own column (by its default name) has in its table, after the config's renames. */
export function columnName(ds: Pick<ResolvedDataset, 'columnNames'>, column: string): string {
  return ds.columnNames?.[column] ?? column;
}

export interface Config {
  notion: {
    /** Never defaulted: null means "not configured". */
    token: string | null;
    baseUrl: string | undefined;
    requestsPerSecond: number;
    burst: number;
    maxRetries: number;
    timeoutMs: number;
  };
  database: {
    /** postgres://… (Supabase works); null → embedded PGlite in dataDir. */
    url: string | null;
    dataDir: string;
  };
  sync: {
    /** Incremental reads start this far before the stored cursor (Notion truncates timestamps to the minute). */
    overlapSeconds: number;
    /** The spec's safety valve: a full sync aborts when one side returns fewer than ratio × the other's rows. */
    safetyValveRatio: number;
    /** Deletion valve: a run aborts when it would delete more than this share of a dataset… */
    deletionValveShare: number;
    /** …and more than this many records (small deletions never trip it). */
    deletionValveMinimum: number;
    /** The spec's 5-second buffer: edits closer than this are a tie. */
    conflictBufferSeconds: number;
    /** Which side wins a tie. */
    tieWinner: 'notion' | 'postgres';
    /** sync_logs retention in days (default 30); 0 keeps every row forever. */
    logRetentionDays: number;
  };
  google: GoogleConfig;
  server: {
    host: string;
    port: number;
    /** SYNC_API_TOKEN: the bearer token every endpoint but /health requires. Never defaulted. */
    apiToken: string | null;
  };
  schedule: {
    enabled: boolean;
    all: string;
    full: string | null;
    datasets: Record<string, string>;
    timezone: string | undefined;
  };
  notifications: {
    webhookUrl: string | null;
    format: 'json' | 'slack' | 'discord' | 'ntfy';
    transientThreshold: number;
    /** A transient problem notifies at its transientThreshold-th occurrence within this many hours. */
    windowHours: number;
  };
  webhooks: {
    /** NOTION_WEBHOOK_VERIFICATION_TOKEN: the token Notion signs its webhook bodies with. */
    notionVerificationToken: string | null;
    /** GOOGLE_CALENDAR_WEBHOOK_TOKEN: the channel token Google echoes in push notifications. */
    googleChannelToken: string | null;
    settleSeconds: number;
  };
  /** Postgres → Notion in seconds (src/scheduler/postgresChanges.ts). */
  postgresChanges: {
    enabled: boolean;
    /** LISTEN where it works; false: always poll. */
    listen: boolean;
    pollSeconds: number;
    settleSeconds: number;
  };
  /** Polling where no webhook delivers changes (src/scheduler/polling.ts). */
  polling: {
    enabled: boolean;
    /** Per Notion dataset without webhooks; null: the default (30 s, stretched to keep idle polling under a tenth of the Notion rate). */
    notionSeconds: number | null;
    notionBackupSeconds: number;
    googleSeconds: number;
    googleBackupSeconds: number;
  };
  datasets: ResolvedDataset[];
  logLevel: string;
  /** LOG_FORMAT: json | pretty; null = pretty on a terminal, JSON elsewhere. */
  logFormat: 'json' | 'pretty' | null;
  configFile: string | null;
}

export interface GoogleConfig {
  /** null when Google is not configured (GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET, GOOGLE_REFRESH_TOKEN all unset). */
  credentials: { clientId: string; clientSecret: string; refreshToken: string } | null;
  /** GOOGLE_API_ROOT: another host for every Google API and the token endpoint (an emulator). */
  apiRoot: string | undefined;
  requestsPerSecond: number;
  calendarId: string;
  /** Full calendar syncs read events from this many days back… */
  calendarPastDays: number;
  /** …to this many days ahead (recurring events are expanded into instances within the window). */
  calendarFutureDays: number;
  /** Gmail search bounding the first (and any recovery) full sync. */
  gmailQuery: string;
  /** At most this many messages in a full Gmail sync. */
  gmailMaxMessages: number;
  /** Create Google contacts for contacts that exist only in Notion/Postgres. */
  createContactsInGoogle: boolean;
}

export interface LoadConfigOptions {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Explicit config file path (--config); otherwise JARVIS_CONFIG, otherwise ./jarvis-sync.config.json if present. */
  configPath?: string;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

/** Parse env and the optional config file once, at start. Throws ConfigError with a one-line fix. */
export function loadConfig(opts: LoadConfigOptions = {}): Config {
  const env = opts.env ?? process.env;
  const cwd = opts.cwd ?? process.cwd();
  const { file, path: configFile } = readConfigFile(opts.configPath ?? env.JARVIS_CONFIG, cwd, Boolean(opts.configPath ?? env.JARVIS_CONFIG));

  const databaseUrl = nonEmpty(env.DATABASE_URL);
  if (databaseUrl) checkDatabaseUrl(databaseUrl);
  const baseUrl = nonEmpty(env.NOTION_BASE_URL) ?? file.notion?.baseUrl;
  if (baseUrl) checkHttpUrl('NOTION_BASE_URL', baseUrl);

  const requestsPerSecond = numberFromEnv(env, 'NOTION_REQUESTS_PER_SECOND', { min: 0.01, max: 100 }) ?? file.notion?.requestsPerSecond ?? 3;
  const logLevel = nonEmpty(env.LOG_LEVEL) ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) {
    throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')} (got "${logLevel}")`);
  }
  const logFormat = nonEmpty(env.LOG_FORMAT)?.toLowerCase() ?? null;
  if (logFormat !== null && logFormat !== 'json' && logFormat !== 'pretty') {
    throw new ConfigError(`LOG_FORMAT must be json or pretty, or unset for pretty on a terminal and JSON elsewhere (got "${env.LOG_FORMAT}")`);
  }

  const overrides = file.datasets ?? {};
  if (nonEmpty(env.NOTIFY_WEBHOOK_URL)) checkHttpUrl('NOTIFY_WEBHOOK_URL', env.NOTIFY_WEBHOOK_URL!.trim());
  if (file.notifications?.webhookUrl) checkHttpUrl(`${configFile}: notifications.webhookUrl`, file.notifications.webhookUrl);
  const datasets = resolveDatasets(overrides, env, configFile);
  for (const name of Object.keys(file.schedule?.datasets ?? {})) {
    if (!datasets.some((d) => d.name === name)) throw new ConfigError(`${configFile}: schedule.datasets.${name} is not a known dataset`);
  }

  return {
    notion: {
      token: nonEmpty(env.NOTION_TOKEN) ?? null,
      baseUrl,
      requestsPerSecond,
      burst: file.notion?.burst ?? Math.max(1, Math.round(requestsPerSecond)),
      maxRetries: file.notion?.maxRetries ?? 5,
      timeoutMs: file.notion?.timeoutMs ?? 60_000,
    },
    database: {
      url: databaseUrl ?? null,
      dataDir: resolve(cwd, nonEmpty(env.JARVIS_DATA_DIR) ?? '.jarvis-sync'),
    },
    sync: {
      overlapSeconds: file.sync?.overlapSeconds ?? 120,
      safetyValveRatio: file.sync?.safetyValveRatio ?? 0.1,
      deletionValveShare: file.sync?.deletionValveShare ?? 0.2,
      deletionValveMinimum: file.sync?.deletionValveMinimum ?? 5,
      conflictBufferSeconds: file.sync?.conflictBufferSeconds ?? 5,
      tieWinner: file.sync?.tieWinner ?? 'notion',
      logRetentionDays: file.sync?.logRetentionDays ?? 30,
    },
    google: googleConfig(env),
    server: {
      host: nonEmpty(env.HOST) ?? file.server?.host ?? '127.0.0.1',
      port: numberFromEnv(env, 'PORT', { min: 0, max: 65535, integer: true }) ?? file.server?.port ?? 8787,
      apiToken: nonEmpty(env.SYNC_API_TOKEN) ?? null,
    },
    schedule: {
      enabled: file.schedule?.enabled ?? true,
      all: file.schedule?.all ?? '*/15 * * * *',
      full: file.schedule?.full === undefined ? '0 3 * * *' : file.schedule.full,
      datasets: file.schedule?.datasets ?? {},
      timezone: file.schedule?.timezone,
    },
    notifications: {
      webhookUrl: nonEmpty(env.NOTIFY_WEBHOOK_URL) ?? file.notifications?.webhookUrl ?? null,
      format: notifyFormat(env.NOTIFY_FORMAT) ?? file.notifications?.format ?? 'json',
      transientThreshold: file.notifications?.transientThreshold ?? 5,
      windowHours: file.notifications?.windowHours ?? 24,
    },
    webhooks: {
      notionVerificationToken: nonEmpty(env.NOTION_WEBHOOK_VERIFICATION_TOKEN) ?? null,
      googleChannelToken: nonEmpty(env.GOOGLE_CALENDAR_WEBHOOK_TOKEN) ?? null,
      // 1 s: Notion already combines a page's later edits within a minute into one event; the window
      // only gathers what arrives together (a page.created and its first properties_updated, pages
      // edited at once), and a webhook edit must land within 5 s (issue 15; bench/freshness.ts).
      settleSeconds: file.webhooks?.settleSeconds ?? 1,
    },
    postgresChanges: {
      enabled: file.postgresChanges?.enabled ?? true,
      listen: file.postgresChanges?.listen ?? true,
      pollSeconds: file.postgresChanges?.pollSeconds ?? 5,
      settleSeconds: file.postgresChanges?.settleSeconds ?? 2,
    },
    polling: {
      enabled: file.polling?.enabled ?? true,
      notionSeconds: file.polling?.notionSeconds ?? null,
      notionBackupSeconds: file.polling?.notionBackupSeconds ?? 300,
      googleSeconds: file.polling?.googleSeconds ?? 30,
      googleBackupSeconds: file.polling?.googleBackupSeconds ?? 300,
    },
    datasets,
    logLevel,
    logFormat,
    configFile,
  };
}

/**
 * The built-in datasets with their overrides, then the datasets defined in the config file, in
 * its order. Every problem is one line; all of them are reported at once.
 */
function resolveDatasets(overrides: Record<string, DatasetOverride>, env: Record<string, string | undefined>, configFile: string | null): ResolvedDataset[] {
  const problems: string[] = [];
  const out: ResolvedDataset[] = [];
  for (const d of presetDatasets) {
    try {
      out.push(applyOverride(d, overrides[d.name], env, configFile));
    } catch (e) {
      if (!(e instanceof ConfigError)) throw e;
      problems.push(e.message);
    }
  }
  for (const [name, o] of Object.entries(overrides)) {
    if (presetDatasets.some((d) => d.name === name)) continue;
    const lines = userDatasetProblems(name, o);
    if (lines.length) {
      problems.push(...lines.map((l) => `${configFile}: datasets.${name}${l}`));
      continue;
    }
    const d = userDataset({ name, direction: o.direction!, table: o.table, fields: o.fields!, rowIdProperty: o.rowIdProperty });
    out.push({ ...d, databaseId: nonEmpty(env[d.databaseIdEnv]) ?? o.databaseId ?? null, enabled: o.enabled ?? true, adopt: o.adopt ?? false });
  }
  if (problems.length) throw new ConfigError(problems.join('\n'));
  return distinctTables(out, configFile);
}

/** Why a dataset the config defines (a name that is not built in) cannot be synced; '' lines lead with the key. */
function userDatasetProblems(name: string, o: DatasetOverride): string[] {
  const lines: string[] = [];
  const builtIn = presetDatasets.map((d) => d.name).join(', ');
  if (!/^[a-z][a-z0-9_]{0,40}$/.test(name)) {
    return [`: a dataset's name must be lower-case letters, digits and underscores, starting with a letter (built-in datasets: ${builtIn})`];
  }
  if (!o.direction) lines.push(` is not a known dataset (built in: ${builtIn}); to define your own, give direction ("notion-to-postgres" or "two-way"), databaseId, table and fields`);
  if (!o.fields || Object.keys(o.fields).length === 0) {
    if (o.direction) lines.push('.fields: is missing: map at least one column to a Notion property, e.g. { "name": { "property": "Name" } }');
  }
  if (o.properties) lines.push('.properties: applies to built-in datasets; a dataset of your own names its properties in fields.<column>.property');
  if (o.columns) lines.push('.columns: applies to built-in datasets; a dataset of your own names its columns by the keys of fields');
  if (o.rowIdProperty && o.direction !== 'two-way') lines.push('.rowIdProperty: applies to two-way datasets only');
  if (o.direction === 'two-way') lines.push(...rowIdFieldProblems(o.rowIdProperty ?? DEFAULT_ROW_ID_PROPERTY, o.fields));
  return lines;
}

/** A two-way dataset's row-id property holds each page's Postgres id: never a field's property. */
function rowIdFieldProblems(rowIdProperty: string, fields: DatasetOverride['fields']): string[] {
  return Object.entries(fields ?? {})
    .filter(([, f]) => f.property === rowIdProperty)
    .map(([column]) => `.fields.${column}: "${rowIdProperty}" is the row-id property of this two-way dataset (it holds each page's Postgres id): map another property`);
}

function applyOverride(
  d: DatasetDescriptor,
  o: DatasetOverride | undefined,
  env: Record<string, string | undefined>,
  configFile: string | null,
): ResolvedDataset {
  const known = new Set(d.fields.map((f) => f.field));
  for (const key of Object.keys(o?.properties ?? {})) {
    if (!known.has(key)) {
      throw new ConfigError(`${configFile}: datasets.${d.name} has no field "${key}"; fields: ${[...known].join(', ')}`);
    }
  }
  // `columns` renames a field's column, or one of the dataset's own columns (calendar's and gmail's)
  // by its default name; not the Google bookkeeping columns, which the updated_at trigger knows by name.
  const renamable = (d.extraColumns ?? []).map((c) => c.column).filter((c) => !TRIGGER_BOOKKEEPING.includes(c));
  for (const key of Object.keys(o?.columns ?? {})) {
    if (known.has(key) || renamable.includes(key)) continue;
    if (!known.size) {
      throw new ConfigError(`${configFile}: datasets.${d.name}.columns: ${d.name} has no column "${key}"; columns it can rename: ${renamable.join(', ')}`);
    }
    throw new ConfigError(`${configFile}: datasets.${d.name} has no field "${key}"; fields: ${[...known].join(', ')}`);
  }
  if (o?.direction) {
    throw new ConfigError(`${configFile}: datasets.${d.name}.direction: ${d.name} is built in and syncs ${d.pattern === 'two-way' ? 'two-way' : d.pattern === 'one-way' ? 'notion-to-postgres' : 'from Google'}; direction applies to datasets you define`);
  }
  const fields = d.fields.map((f) => ({
    ...f,
    property: o?.properties?.[f.field] ?? f.property,
    column: o?.columns?.[f.field] ?? f.column,
  }));
  if (o?.fields && d.pattern !== 'one-way' && d.pattern !== 'two-way') {
    throw new ConfigError(`${configFile}: datasets.${d.name}.fields: ${d.name} comes from Google, not from a Notion database; extra fields apply to Notion datasets`);
  }
  const taken = new Map<string, string>();
  for (const f of fields) {
    taken.set(f.column, `the column of its field ${f.field}`);
    if (f.endColumn) taken.set(f.endColumn, `the end column of its field ${f.field}`);
  }
  const columnNames: Record<string, string> = {};
  for (const c of d.extraColumns ?? []) if (o?.columns?.[c.column]) columnNames[c.column] = o.columns[c.column]!;
  const renamed = (column: string) => columnNames[column] ?? column;
  for (const c of d.extraColumns ?? []) taken.set(renamed(c.column), 'one of its own columns');
  for (const column of Object.keys(o?.fields ?? {})) {
    const clash = taken.get(column);
    if (clash) throw new ConfigError(`${configFile}: datasets.${d.name}.fields.${column}: "${column}" is already ${clash} in ${d.name}; give the extra field another key`);
  }
  if (d.rowIdProperty) {
    const rowId = rowIdFieldProblems(o?.rowIdProperty ?? d.rowIdProperty, o?.fields)[0];
    if (rowId) throw new ConfigError(`${configFile}: datasets.${d.name}${rowId}`);
  }
  return {
    ...d,
    table: o?.table ?? d.table,
    fields,
    ...(Object.keys(columnNames).length
      ? {
          extraColumns: d.extraColumns!.map((c) => ({ ...c, column: renamed(c.column) })),
          indexes: d.indexes?.map((i) => ({ ...i, on: renamed(i.on) })),
        }
      : {}),
    columnNames,
    configFields: configFieldsOf(o?.fields),
    rowIdProperty: d.rowIdProperty ? (o?.rowIdProperty ?? d.rowIdProperty) : undefined,
    databaseId: nonEmpty(env[d.databaseIdEnv]) ?? o?.databaseId ?? null,
    enabled: o?.enabled ?? true,
    adopt: o?.adopt ?? false,
  };
}

/** Two datasets in one table would overwrite each other's rows (and fail the table checks). */
function distinctTables(datasets: ResolvedDataset[], configFile: string | null): ResolvedDataset[] {
  const byTable = new Map<string, string>();
  for (const d of datasets) {
    const other = byTable.get(d.table);
    if (other) {
      throw new ConfigError(`${configFile}: datasets ${other} and ${d.name} both use table "${d.table}"; give one of them another datasets.<name>.table`);
    }
    byTable.set(d.table, d.name);
  }
  return datasets;
}

function notifyFormat(raw: string | undefined): Config['notifications']['format'] | undefined {
  const v = nonEmpty(raw)?.toLowerCase();
  if (v === undefined) return undefined;
  if (v === 'json' || v === 'slack' || v === 'discord' || v === 'ntfy') return v;
  throw new ConfigError(`NOTIFY_FORMAT must be one of json, slack, discord, ntfy (got "${raw}")`);
}

const GOOGLE_CREDENTIALS = ['GOOGLE_CLIENT_ID', 'GOOGLE_CLIENT_SECRET', 'GOOGLE_REFRESH_TOKEN'] as const;

function googleConfig(env: Record<string, string | undefined>): GoogleConfig {
  const set = GOOGLE_CREDENTIALS.filter((k) => nonEmpty(env[k]));
  if (set.length && set.length < GOOGLE_CREDENTIALS.length) {
    const missing = GOOGLE_CREDENTIALS.filter((k) => !nonEmpty(env[k]));
    throw new ConfigError(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} not set: Google needs GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and GOOGLE_REFRESH_TOKEN together (or none of them to skip Google)`);
  }
  const apiRoot = nonEmpty(env.GOOGLE_API_ROOT)?.replace(/\/+$/, '');
  if (apiRoot) checkHttpUrl('GOOGLE_API_ROOT', apiRoot);
  const flag = nonEmpty(env.CONTACTS_CREATE_IN_GOOGLE)?.toLowerCase();
  if (flag && !['true', 'false', '1', '0', 'yes', 'no'].includes(flag)) {
    throw new ConfigError(`CONTACTS_CREATE_IN_GOOGLE must be true or false (got "${env.CONTACTS_CREATE_IN_GOOGLE}")`);
  }
  return {
    credentials: set.length ? { clientId: env.GOOGLE_CLIENT_ID!.trim(), clientSecret: env.GOOGLE_CLIENT_SECRET!.trim(), refreshToken: env.GOOGLE_REFRESH_TOKEN!.trim() } : null,
    apiRoot,
    requestsPerSecond: numberFromEnv(env, 'GOOGLE_REQUESTS_PER_SECOND', { min: 0.01, max: 100 }) ?? 10,
    calendarId: nonEmpty(env.GOOGLE_CALENDAR_ID) ?? 'primary',
    calendarPastDays: numberFromEnv(env, 'GOOGLE_CALENDAR_PAST_DAYS', { min: 0, max: 3650 }) ?? 30,
    calendarFutureDays: numberFromEnv(env, 'GOOGLE_CALENDAR_FUTURE_DAYS', { min: 1, max: 3650 }) ?? 365,
    gmailQuery: nonEmpty(env.GMAIL_QUERY) ?? 'newer_than:90d',
    gmailMaxMessages: numberFromEnv(env, 'GMAIL_MAX_MESSAGES', { min: 1, max: 1_000_000 }) ?? 5000,
    createContactsInGoogle: flag === 'true' || flag === '1' || flag === 'yes',
  };
}

function readConfigFile(path: string | undefined, cwd: string, explicit: boolean): { file: ConfigFile; path: string | null } {
  const full = resolve(cwd, path ?? 'jarvis-sync.config.json');
  if (!existsSync(full)) {
    if (explicit) throw new ConfigError(`config file ${full} does not exist (set by --config or JARVIS_CONFIG)`);
    return { file: {}, path: null };
  }
  let raw: unknown;
  const text = readFileSync(full, 'utf8');
  try {
    raw = JSON.parse(text);
  } catch (e) {
    throw new ConfigError(`config file ${full}${jsonErrorLocation(text, (e as Error).message)} is not valid JSON: ${(e as Error).message.replace(/ in JSON at position \d+.*$/, '')}`);
  }
  const parsed = configFileSchema.safeParse(raw);
  if (!parsed.success) {
    // One line per problem, each with its path, so a config with three mistakes is fixed in one go.
    const lines = parsed.error.issues.map((issue) => {
      const where = issue.path.join('.') || '(top level)';
      const what = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message;
      return `config file ${full}: ${where}: ${what}`;
    });
    throw new ConfigError(lines.join('\n'));
  }
  return { file: parsed.data, path: full };
}

/**
 * `:3:15` (line 3, column 15) for a JSON.parse error: V8 reports a character offset ("at position
 * 57"), which nobody can find in an editor; the end of the file for "Unexpected end of JSON input".
 */
export function jsonErrorLocation(text: string, message: string): string {
  const m = / at position (\d+)/.exec(message);
  const offset = m ? Math.min(Number(m[1]), text.length) : /end of JSON input/.test(message) ? text.length : null;
  if (offset === null) return '';
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - before.lastIndexOf('\n');
  return `:${line}:${column}`;
}

function nonEmpty(v: string | undefined): string | undefined {
  const t = v?.trim();
  return t ? t : undefined;
}

function numberFromEnv(env: Record<string, string | undefined>, name: string, range: { min: number; max: number; integer?: boolean }): number | undefined {
  const raw = nonEmpty(env[name]);
  if (raw === undefined) return undefined;
  const n = z.coerce.number().safeParse(raw);
  if (!n.success || !Number.isFinite(n.data) || n.data < range.min || n.data > range.max || (range.integer && !Number.isInteger(n.data))) {
    throw new ConfigError(`${name} must be ${range.integer ? 'a whole number' : 'a number'} between ${range.min} and ${range.max} (got "${raw}")`);
  }
  return n.data;
}

function checkDatabaseUrl(url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError('DATABASE_URL is not a valid URL: expected postgres://user:password@host:5432/database');
  }
  if (parsed.protocol !== 'postgres:' && parsed.protocol !== 'postgresql:') {
    throw new ConfigError(`DATABASE_URL must start with postgres:// or postgresql:// (got ${parsed.protocol}//…)`);
  }
  if (!parsed.hostname) throw new ConfigError('DATABASE_URL has no host: expected postgres://user:password@host:5432/database');
}

function checkHttpUrl(name: string, url: string): void {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ConfigError(`${name} is not a valid URL (expected e.g. https://api.notion.com)`);
  }
  if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
    throw new ConfigError(`${name} must be an http(s) URL (got ${parsed.protocol})`);
  }
}

/** The token a command that talks to Notion needs; a missing one is a one-line ConfigError. */
export function requireNotionToken(config: Config): string {
  if (!config.notion.token) {
    throw new ConfigError(
      'NOTION_TOKEN is not set: create an internal integration at https://www.notion.so/my-integrations, share your databases with it, and export NOTION_TOKEN=<its secret>',
    );
  }
  return config.notion.token;
}
