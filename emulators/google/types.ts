/**
 * Public types of the Google emulator (Calendar v3, Gmail v1, People v1 and the OAuth token
 * endpoint behind one HTTP server). Resource shapes are the official clients' `Schema$*` types, so
 * what the emulator returns type-checks against what the connector reads.
 */
import type { calendar_v3 } from '@googleapis/calendar';
import type { gmail_v1 } from '@googleapis/gmail';
import type { people_v1 } from '@googleapis/people';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Clock } from '../../src/lib/clock.ts';
import type { ResponseRecorder } from '../shared/recorder.ts';

export type CalendarEvent = calendar_v3.Schema$Event;
export type GmailMessage = gmail_v1.Schema$Message;
export type Person = people_v1.Schema$Person;

/** A message as the control API and seeds describe it (headers are built from these fields). */
export interface SeedMessage {
  /** Default: derived from internalDate and a counter (16 hex digits, like Gmail's). */
  id?: string;
  /** Default: the message's own id (a new thread). */
  threadId?: string;
  /** "Maya Chen <maya.chen@example.com>" or a bare address. */
  from: string;
  to: string[];
  cc?: string[];
  subject: string;
  /** Default: the first 100 characters of the subject. */
  snippet?: string;
  /** Default: ['SENT'] when from is the mailbox owner, else ['INBOX', 'UNREAD', 'CATEGORY_PERSONAL']. */
  labelIds?: string[];
  /** Epoch milliseconds (or an ISO string in JSON seeds); default: the emulator clock's now. */
  internalDate?: number | string;
}

export interface GoogleSeed {
  /** Calendar id (or "primary") → its IANA time zone (default: the calendarTimeZone option). Applied before the events. */
  calendarTimeZones?: Record<string, string>;
  /** Calendar id (or "primary") → its events; recurring masters, exceptions and all-day events alike. */
  calendars?: Record<string, CalendarEvent[]>;
  messages?: SeedMessage[];
  people?: Person[];
}

export interface RateLimit {
  requestsPerSecond: number;
  /** Bucket size; defaults to max(1, requestsPerSecond). */
  burst?: number;
}

export interface FaultConfig {
  /** Probability (0..1) that a matching request fails. */
  rate: number;
  /**
   * Statuses to pick from (uniformly): 403 (rateLimitExceeded), 429, 500, 502, 503 (backendError), 504.
   * Default [500, 503].
   */
  statuses?: number[];
  /** Also destroy sockets (one more equally likely outcome next to the statuses). */
  drop?: boolean;
  /** Added delay (on the emulator clock) for every matching request, faulted or not. */
  latencyMs?: number;
  /** Only requests whose endpoint key (e.g. "GET /v1/people/me/connections") matches are affected. */
  only?: RegExp;
  /** A faulted write is applied first and then answered with the failure ("committed, then timed out"). */
  commitThenFail?: boolean;
}

export interface GoogleEmulatorOptions {
  /** Default systemClock; timestamps, token ages, latency and the rate limiter use it. */
  clock?: Clock;
  /** Reports every response sent over HTTP (status and JSON body); the official-types test records with it. */
  recorder?: ResponseRecorder;
  /** Refresh tokens POST /token accepts; default: any non-empty refresh token. */
  refreshTokens?: string[];
  /** When set, POST /token requires this client_id (401 invalid_client otherwise). */
  clientId?: string;
  /** When set, POST /token requires this client_secret (401 invalid_client otherwise). */
  clientSecret?: string;
  /** Scopes granted to issued access tokens (space-joined in the token response). Default: calendar.readonly, gmail.readonly, contacts. */
  scopes?: string[];
  /**
   * Reject access tokens older than their expires_in (3599 s) on the emulator clock. Default false:
   * OAuth2Client computes expiry with the real clock, so with a FakeClock that jumps days it would
   * keep sending a token the emulator thinks expired.
   */
  enforceTokenExpiry?: boolean;
  /** The mailbox / primary calendar owner. Default "me@example.com". */
  userEmail?: string;
  /**
   * IANA zone of the primary calendar and of calendars created later (the user's zone). Default "UTC".
   * All-day events and series are expanded in their calendar's zone; events.list answers in it unless
   * its timeZone parameter names another.
   */
  calendarTimeZone?: string;
  /** Default null (off). Calendar/Gmail answer 403 userRateLimitExceeded, People 429 RESOURCE_EXHAUSTED. */
  rateLimit?: RateLimit | null;
  /** Seeded RNG for fault injection; default a PRNG seeded with 1. */
  random?: () => number;
  seed?: GoogleSeed;
  /** Calendar/People sync tokens older than this are expired, and Gmail history older than this is gone. Default 7 days. */
  syncTokenHorizonMs?: number;
  /** Every n-th Calendar events.list page (n ≥ 2) comes back empty with a nextPageToken. Default off. */
  emptyPageEvery?: number;
  /**
   * People writes (API and control API alike) become visible to sync requests (connections.list: the
   * snapshot a sync token is cut at) only after this long on the emulator clock. Default 5 minutes
   * (DEFAULT_PEOPLE_PROPAGATION_DELAY_MS): Google documents "several minutes". 0 = read-after-write.
   */
  propagationDelayMs?: number;
}

export interface GoogleEmulator {
  /** Resolves to the base URL, e.g. http://127.0.0.1:PORT. Port 0 (default) picks a free one. */
  listen(port?: number, host?: string): Promise<string>;
  close(): Promise<void>;
  /** The base URL; throws before listen(). Clients take `rootUrl: url + '/'`. */
  readonly url: string;
  /** The request handler, usable inside another http server. */
  handle(req: IncomingMessage, res: ServerResponse): void;
  /** The mailbox / primary calendar owner. */
  readonly userEmail: string;

  calendar: {
    /** Creates or merges (top-level fields; null deletes a field) an event, a recurring master or an instance exception. Bumps `updated`. */
    upsertEvent(calendarId: string, event: Partial<CalendarEvent>): CalendarEvent;
    /** Cancels an event, a whole series (master id) or one instance (`<masterId>_<stamp>`). */
    cancelEvent(calendarId: string, id: string): void;
    getEvent(calendarId: string, id: string): CalendarEvent | undefined;
    /** Stored events (masters, exceptions, single events) in creation order. */
    listEvents(calendarId: string, opts?: { includeCancelled?: boolean }): CalendarEvent[];
    /** Puts a calendar (created if new) in an IANA zone; its all-day events and series move with it. */
    setTimeZone(calendarId: string, timeZone: string): void;
  };
  gmail: {
    addMessage(m: SeedMessage): GmailMessage;
    /** Permanent deletion (history: messagesDeleted). Trashing is modifyLabels(id, ['TRASH'], ['INBOX']). */
    deleteMessage(id: string): void;
    modifyLabels(id: string, add: string[], remove: string[]): void;
    getMessage(id: string): GmailMessage | undefined;
    /** Live messages, newest first (messages.list order). */
    listMessages(): GmailMessage[];
    /** The mailbox's current history id. */
    readonly historyId: string;
  };
  people: {
    addPerson(p: Partial<Person>): Person;
    /** Replaces the given top-level fields (like updateContact with those fields in updatePersonFields); new etag. */
    updatePerson(resourceName: string, patch: Partial<Person>): Person;
    deletePerson(resourceName: string): void;
    getPerson(resourceName: string): Person | undefined;
    /** Live contacts in creation order, all fields. */
    listPeople(): Person[];
  };

  /** Every outstanding Calendar/People sync token and Gmail history id becomes too old. */
  expireSyncTokens(): void;
  /**
   * A watch channel on the calendar (events.watch): every calendar change made through the control
   * API is pushed to `url` as Google does (empty POST, X-Goog-* headers). null stops it.
   */
  setCalendarWatch(watch: { url: string; token?: string; channelId?: string; resourceId?: string } | null): void;
  /** Resolves when every push sent so far has been delivered (or failed). */
  flushCalendarPushes(): Promise<void>;
  readonly calendarPushes: ReadonlyArray<{ state: string; status: number | 'failed' }>;
  /** Access tokens issued so far stop working (401); the fixed test token keeps working. */
  revokeAccessTokens(): void;
  /** POST /token answers invalid_grant for this refresh token from now on. */
  revokeRefreshToken(refreshToken: string): void;

  setRateLimit(limit: RateLimit | null): void;
  setFaults(f: FaultConfig | null): void;
  readonly faultsInjected: number;
  /** Requests received per endpoint key, e.g. "GET /calendar/v3/calendars/:id/events". */
  readonly requestCounts: Record<string, number>;
  totalRequests(): number;
  resetCounts(): void;
}
