/**
 * The Google connector: the per-API @googleapis/* clients and one OAuth2Client wired to our
 * transport (pacer, stats, timeout; gaxios retries off) and our single retry policy, exposing the
 * handful of operations a sync needs. It knows nothing about datasets, Postgres, or emulators
 * (apiRoot is passed through).
 */
import { calendar, type calendar_v3 } from '@googleapis/calendar';
import { gmail, type gmail_v1 } from '@googleapis/gmail';
import { people, type people_v1 } from '@googleapis/people';
import { OAuth2Client } from 'google-auth-library';
import { systemClock } from '../../lib/clock.ts';
import { silentLogger } from '../../lib/logger.ts';
import { Pacer } from '../notion/pacer.ts';
import { mapWithConcurrency, Mutex } from './concurrency.ts';
import { GoogleSyncError, httpStatusOf, validationError } from './errors.ts';
import type { GoogleOperation } from './operations.ts';
import { DEFAULT_RETRY_POLICY, withRetry, type RetryPolicy } from './retry.ts';
import { createPacedFetch, createStats, enforceConnectorPolicy, resetStats } from './transport.ts';
import type { CalendarListOptions, GmailHistoryChanges, GoogleApi, GoogleConnector, GoogleConnectorOptions } from './types.ts';

/** Google's token endpoint; with apiRoot it is `${apiRoot}/token`. */
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
/** The person fields read and returned by every People call. */
export const PERSON_FIELDS = ['names', 'emailAddresses', 'phoneNumbers', 'organizations', 'biographies', 'metadata'] as const;
/** Headers fetched with format=metadata. */
export const GMAIL_METADATA_HEADERS = ['From', 'To', 'Cc', 'Subject', 'Date'] as const;

/** Page sizes: the maximum of each API. */
const CALENDAR_PAGE_SIZE = 2500;
const GMAIL_PAGE_SIZE = 500;
const PEOPLE_PAGE_SIZE = 1000;
const DEFAULT_REQUESTS_PER_SECOND = 10;
const DEFAULT_GMAIL_CONCURRENCY = 8;
const DEFAULT_TIMEOUT_MS = 60_000;
/** A resource name as People writes it (people/c123…); anything else is refused before sending. */
const PERSON_RESOURCE_NAME = /^people\/[A-Za-z0-9_-]+$/;

export function createGoogleConnector(opts: GoogleConnectorOptions): GoogleConnector {
  const missing = (['clientId', 'clientSecret', 'refreshToken'] as const).filter((k) => !opts[k]);
  if (missing.length > 0) {
    const env = { clientId: 'GOOGLE_CLIENT_ID', clientSecret: 'GOOGLE_CLIENT_SECRET', refreshToken: 'GOOGLE_REFRESH_TOKEN' };
    throw new GoogleSyncError({
      kind: 'auth',
      api: 'oauth',
      retryable: false,
      message: `Google credentials missing: set ${missing.map((k) => env[k]).join(', ')} (authorize jarvis-sync with Google to obtain GOOGLE_REFRESH_TOKEN)`,
    });
  }
  const clock = opts.clock ?? systemClock;
  const logger = opts.logger ?? silentLogger;
  const apiRoot = opts.apiRoot ? normalizeApiRoot(opts.apiRoot) : undefined;
  const tokenUrl = apiRoot ? `${apiRoot}/token` : GOOGLE_TOKEN_URL;
  const gmailConcurrency = opts.gmailConcurrency ?? DEFAULT_GMAIL_CONCURRENCY;
  if (!Number.isInteger(gmailConcurrency) || gmailConcurrency < 1) throw new RangeError(`gmailConcurrency must be a positive integer, got ${gmailConcurrency}`);
  const stats = createStats();
  const pacer = new Pacer({ clock, requestsPerSecond: opts.requestsPerSecond ?? DEFAULT_REQUESTS_PER_SECOND, burst: opts.burst });
  const policy: RetryPolicy = {
    ...DEFAULT_RETRY_POLICY,
    maxRetries: opts.maxRetries ?? DEFAULT_RETRY_POLICY.maxRetries,
    baseDelayMs: opts.retryBaseDelayMs ?? DEFAULT_RETRY_POLICY.baseDelayMs,
    maxDelayMs: opts.retryMaxDelayMs ?? DEFAULT_RETRY_POLICY.maxDelayMs,
  };
  const random = opts.random ?? Math.random;
  const fetchImpl: typeof fetch = opts.fetch ?? ((input, init) => globalThis.fetch(input, init));

  // One OAuth2Client, one gaxios transporter: the API clients send through auth.request(), the
  // token refresh through the same transporter, so one fetchImplementation sees every request.
  const auth = new OAuth2Client({
    clientId: opts.clientId,
    clientSecret: opts.clientSecret,
    endpoints: apiRoot ? { oauth2TokenUrl: tokenUrl } : undefined,
    transporterOptions: {
      fetchImplementation: createPacedFetch({ fetch: fetchImpl, pacer, stats, timeoutMs: opts.timeoutMs ?? DEFAULT_TIMEOUT_MS }),
      retry: false,
    },
  });
  auth.transporter.interceptors.request.add(enforceConnectorPolicy);
  auth.setCredentials({ refresh_token: opts.refreshToken });
  auth.on('tokens', (t) => logger.debug({ expiresAt: t.expiry_date ? new Date(t.expiry_date).toISOString() : undefined }, 'google access token refreshed'));

  // rootUrl is given globally, so googleapis-common rebuilds each URL as new URL(path, rootUrl).
  const clientOptions = { auth, retry: false, ...(apiRoot ? { rootUrl: `${apiRoot}/` } : {}) };
  const cal = calendar({ version: 'v3', ...clientOptions });
  const gm = gmail({ version: 'v1', ...clientOptions });
  const pp = people({ version: 'v1', ...clientOptions });
  const peopleWrites = new Mutex();

  const secrets = () => [opts.clientSecret, opts.refreshToken, auth.credentials.access_token ?? ''];
  /** Every client call goes through here: one retry policy, errors normalized once. */
  const call = <T>(operation: GoogleOperation, fn: (attempt: number) => Promise<T>): Promise<T> =>
    withRetry(fn, { operation, policy, clock, random, logger, stats, pacer, tokenUrl, secrets });

  /**
   * Follows nextPageToken to the end: empty pages that carry one are legal (Calendar says so).
   * Each page is its own retried call, so a failure late in a long listing repeats one page only.
   */
  async function allPages<P extends { nextPageToken?: string | null }>(
    api: GoogleApi,
    what: string,
    fetchPage: (pageToken: string | undefined) => Promise<P>,
    onPage: (page: P) => boolean | void,
  ): Promise<P> {
    let pageToken: string | undefined;
    for (;;) {
      const page = await fetchPage(pageToken);
      const stop = onPage(page) === false;
      const next = page.nextPageToken ?? undefined;
      if (stop || !next) return page;
      if (next === pageToken) throw unexpectedResponse(api, `${what} returned the same nextPageToken twice; stopping instead of looping`);
      pageToken = next;
    }
  }

  async function listEvents(calendarId: string, o: CalendarListOptions): Promise<{ events: calendar_v3.Schema$Event[]; nextSyncToken: string }> {
    if (!calendarId) throw validationError('calendar', 'listEvents needs a calendarId ("primary" for the main calendar)');
    // Google forbids timeMin/timeMax (and showDeleted=false) with a syncToken; every other
    // parameter must be the same as the full sync's.
    const params: calendar_v3.Params$Resource$Events$List = o.syncToken
      ? { calendarId, singleEvents: true, maxResults: CALENDAR_PAGE_SIZE, syncToken: o.syncToken }
      : {
          calendarId,
          singleEvents: true,
          showDeleted: false,
          maxResults: CALENDAR_PAGE_SIZE,
          ...(o.timeMin ? { timeMin: o.timeMin } : {}),
          ...(o.timeMax ? { timeMax: o.timeMax } : {}),
        };
    if (o.syncToken && (o.timeMin || o.timeMax)) logger.debug({ calendarId }, 'incremental calendar sync: timeMin/timeMax not sent (Google forbids them with a syncToken)');
    const events: calendar_v3.Schema$Event[] = [];
    const last = await allPages(
      'calendar',
      'events.list',
      (pageToken) => call('calendar.events.list', async () => (await cal.events.list({ ...params, ...(pageToken ? { pageToken } : {}) })).data),
      (page) => void events.push(...(page.items ?? [])),
    );
    if (!last.nextSyncToken) throw unexpectedResponse('calendar', 'events.list ended without a nextSyncToken');
    return { events, nextSyncToken: last.nextSyncToken };
  }

  async function getProfile(): Promise<{ emailAddress: string; historyId: string }> {
    const profile = await call('gmail.users.getProfile', async () => (await gm.users.getProfile({ userId: 'me' })).data);
    if (!profile.emailAddress || !profile.historyId) throw unexpectedResponse('gmail', 'getProfile returned no emailAddress or historyId');
    return { emailAddress: profile.emailAddress, historyId: profile.historyId };
  }

  async function listMessageIds(q: string | undefined, limit = Number.POSITIVE_INFINITY): Promise<Array<{ id: string; threadId: string }>> {
    if (!(limit >= 0)) throw validationError('gmail', `listMessageIds needs a limit of 0 or more, got ${limit}`);
    const ids: Array<{ id: string; threadId: string }> = [];
    if (limit === 0) return ids;
    await allPages(
      'gmail',
      'messages.list',
      (pageToken) =>
        call('gmail.users.messages.list', async () => {
          const maxResults = Math.min(GMAIL_PAGE_SIZE, limit - ids.length);
          return (await gm.users.messages.list({ userId: 'me', maxResults, ...(q ? { q } : {}), ...(pageToken ? { pageToken } : {}) })).data;
        }),
      (page) => {
        for (const m of page.messages ?? []) if (m.id && ids.length < limit) ids.push({ id: m.id, threadId: m.threadId ?? '' });
        return ids.length < limit;
      },
    );
    return ids;
  }

  async function getMessagesMetadata(ids: string[]): Promise<Map<string, gmail_v1.Schema$Message | null>> {
    const unique = [...new Set(ids)];
    const messages = await mapWithConcurrency(unique, gmailConcurrency, (id) =>
      call('gmail.users.messages.get', async () => (await gm.users.messages.get({ userId: 'me', id, format: 'metadata', metadataHeaders: [...GMAIL_METADATA_HEADERS] })).data).catch(
        (e: GoogleSyncError) => {
          // Deleted between listing and fetching: Gmail's 404 here is news, not a failure.
          if (e.kind === 'not_found') return null;
          throw e;
        },
      ),
    );
    return new Map(unique.map((id, i) => [id, messages[i] ?? null]));
  }

  async function listHistory(startHistoryId: string): Promise<GmailHistoryChanges> {
    if (!startHistoryId) throw validationError('gmail', 'listHistory needs a startHistoryId (from getProfile or a previous listHistory)');
    const added = new Set<string>();
    const deleted = new Set<string>();
    const labelsChanged = new Set<string>();
    const last = await allPages(
      'gmail',
      'history.list',
      (pageToken) =>
        call('gmail.users.history.list', async () => (await gm.users.history.list({ userId: 'me', startHistoryId, maxResults: GMAIL_PAGE_SIZE, ...(pageToken ? { pageToken } : {}) })).data),
      (page) => {
        for (const h of page.history ?? []) {
          for (const x of h.messagesAdded ?? []) if (x.message?.id) added.add(x.message.id);
          for (const x of h.messagesDeleted ?? []) if (x.message?.id) deleted.add(x.message.id);
          for (const x of [...(h.labelsAdded ?? []), ...(h.labelsRemoved ?? [])]) if (x.message?.id) labelsChanged.add(x.message.id);
        }
      },
    );
    if (!last.historyId) throw unexpectedResponse('gmail', 'history.list returned no historyId');
    // Message ids are never reused, so a deletion is final: it wins over an earlier add or label
    // change. A label change of a message added in the same window adds nothing to re-fetch.
    return {
      added: [...added].filter((id) => !deleted.has(id)),
      deleted: [...deleted],
      labelsChanged: [...labelsChanged].filter((id) => !deleted.has(id) && !added.has(id)),
      historyId: last.historyId,
    };
  }

  const personFields = PERSON_FIELDS.join(',');

  async function listConnections(o: { syncToken?: string }): Promise<{ people: people_v1.Schema$Person[]; nextSyncToken: string }> {
    const found: people_v1.Schema$Person[] = [];
    const last = await allPages(
      'people',
      'connections.list',
      (pageToken) =>
        call('people.connections.list', async () => {
          const res = await pp.people.connections.list({
            resourceName: 'people/me',
            personFields,
            pageSize: PEOPLE_PAGE_SIZE,
            requestSyncToken: true,
            ...(o.syncToken ? { syncToken: o.syncToken } : {}),
            ...(pageToken ? { pageToken } : {}),
          });
          return res.data;
        }),
      (page) => void found.push(...(page.connections ?? [])),
    );
    if (!last.nextSyncToken) throw unexpectedResponse('people', 'connections.list ended without a nextSyncToken');
    return { people: found, nextSyncToken: last.nextSyncToken };
  }

  async function getPerson(resourceName: string): Promise<people_v1.Schema$Person | null> {
    requirePersonName(resourceName, 'getPerson');
    try {
      return await call('people.get', async () => (await pp.people.get({ resourceName, personFields })).data);
    } catch (e) {
      if (e instanceof GoogleSyncError && e.kind === 'not_found') return null;
      throw e;
    }
  }

  async function createContact(person: people_v1.Schema$Person): Promise<people_v1.Schema$Person> {
    return peopleWrites.run(() => call('people.createContact', async () => (await pp.people.createContact({ personFields, requestBody: person })).data));
  }

  async function updateContact(resourceName: string, person: people_v1.Schema$Person, updatePersonFields: string[]): Promise<people_v1.Schema$Person> {
    requirePersonName(resourceName, 'updateContact');
    if (updatePersonFields.length === 0 || updatePersonFields.some((f) => !/^[a-zA-Z]+$/.test(f))) {
      throw validationError('people', `updateContact(${resourceName}) needs updatePersonFields, e.g. ["names","emailAddresses"]; got ${JSON.stringify(updatePersonFields)}`);
    }
    if (!person.metadata?.sources?.some((s) => s.etag)) {
      throw validationError('people', `updateContact(${resourceName}) needs person.metadata.sources[].etag (from getPerson or listConnections): Google refuses updates without it`);
    }
    return peopleWrites.run(() =>
      call('people.updateContact', async () => {
        const res = await pp.people.updateContact({ resourceName, updatePersonFields: updatePersonFields.join(','), personFields, requestBody: { ...person, resourceName } });
        return res.data;
      }),
    );
  }

  async function deleteContact(resourceName: string): Promise<void> {
    requirePersonName(resourceName, 'deleteContact');
    return peopleWrites.run(() =>
      call('people.deleteContact', async (attempt) => {
        try {
          await pp.people.deleteContact({ resourceName });
        } catch (e) {
          // An earlier attempt may have deleted it before its answer was lost: gone is the goal.
          if (attempt > 0 && httpStatusOf(e) === 404) {
            logger.info({ resourceName, attempt }, 'google contact already gone on retry; treating the delete as done');
            return;
          }
          throw e;
        }
      }),
    );
  }

  return {
    calendar: { listEvents },
    gmail: { getProfile, listMessageIds, getMessagesMetadata, listHistory },
    people: { listConnections, getPerson, createContact, updateContact, deleteContact },
    stats,
    resetStats: () => resetStats(stats),
  };
}

function requirePersonName(resourceName: string, method: string): void {
  if (typeof resourceName !== 'string' || !PERSON_RESOURCE_NAME.test(resourceName)) {
    throw validationError('people', `${method} needs a contact resource name like "people/c123", got ${JSON.stringify(resourceName)}`);
  }
}

/** A response that breaks the API's own contract: not retried, reported as a likely emulator/API change. */
function unexpectedResponse(api: GoogleApi, what: string): GoogleSyncError {
  return new GoogleSyncError({ kind: 'transient', api, retryable: false, reason: 'unexpected_response', message: `Google ${what}: unexpected response; please report it with the log line` });
}

function normalizeApiRoot(apiRoot: string): string {
  let url: URL;
  try {
    url = new URL(apiRoot);
  } catch (e) {
    throw validationError('oauth', `GOOGLE_API_ROOT must be a URL such as http://127.0.0.1:8787, got ${JSON.stringify(apiRoot)}`, e);
  }
  if (url.pathname !== '/' || url.search) {
    // googleapis-common keeps only the origin of a global rootUrl: a path would be silently dropped.
    throw validationError('oauth', `GOOGLE_API_ROOT must be an origin without a path (the clients drop it), got ${JSON.stringify(apiRoot)}`);
  }
  return url.origin;
}
