import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { z } from 'zod';
import { presetDatasets } from '../datasets/index.ts';
import type { DatasetDescriptor } from '../datasets/types.ts';
import { ConfigError } from './errors.ts';
import { configFileSchema, type ConfigFile, type DatasetOverride } from './schema.ts';

export interface ResolvedDataset extends DatasetDescriptor {
  /** Notion database or data source id; null when not configured (the dataset is skipped). */
  databaseId: string | null;
  enabled: boolean;
  /** `datasets.<name>.adopt`: migrate may complete an existing table that jarvis-sync did not create. */
  adopt: boolean;
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
  for (const name of Object.keys(file.schedule?.datasets ?? {})) {
    if (!presetDatasets.some((d) => d.name === name)) throw new ConfigError(`${configFile}: schedule.datasets.${name} is not a known dataset`);
  }
  for (const name of Object.keys(overrides)) {
    if (!presetDatasets.some((d) => d.name === name)) {
      throw new ConfigError(
        `${configFile}: datasets.${name} is not a known dataset; known: ${presetDatasets.map((d) => d.name).join(', ')}`,
      );
    }
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
      settleSeconds: file.webhooks?.settleSeconds ?? 5,
    },
    datasets: distinctTables(presetDatasets.map((d) => applyOverride(d, overrides[d.name], env, configFile)), configFile),
    logLevel,
    logFormat,
    configFile,
  };
}

function applyOverride(
  d: DatasetDescriptor,
  o: DatasetOverride | undefined,
  env: Record<string, string | undefined>,
  configFile: string | null,
): ResolvedDataset {
  const known = new Set(d.fields.map((f) => f.field));
  for (const key of [...Object.keys(o?.properties ?? {}), ...Object.keys(o?.columns ?? {})]) {
    if (!known.has(key)) {
      throw new ConfigError(`${configFile}: datasets.${d.name} has no field "${key}"; fields: ${[...known].join(', ')}`);
    }
  }
  return {
    ...d,
    table: o?.table ?? d.table,
    fields: d.fields.map((f) => ({
      ...f,
      property: o?.properties?.[f.field] ?? f.property,
      column: o?.columns?.[f.field] ?? f.column,
    })),
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
    const issue = parsed.error.issues[0]!;
    const where = issue.path.join('.') || '(top level)';
    const what = issue.code === 'unrecognized_keys' ? `unknown key(s) ${issue.keys.join(', ')}` : issue.message;
    throw new ConfigError(`config file ${full}: ${where}: ${what}`);
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
