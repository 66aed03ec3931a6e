/**
 * Contract of the Google connector (connectors/google): Calendar v3, Gmail v1 and People v1
 * through the per-API @googleapis/* clients and one OAuth2Client. It knows nothing about
 * datasets or Postgres.
 */
import type { calendar_v3 } from '@googleapis/calendar';
import type { gmail_v1 } from '@googleapis/gmail';
import type { people_v1 } from '@googleapis/people';
import type { Clock } from '../../lib/clock.ts';
import type { Logger } from '../../lib/logger.ts';

export type { calendar_v3, gmail_v1, people_v1 };

/**
 * The closed error vocabulary every Google failure is normalized into, once.
 * sync_token_expired: the stored cursor (Calendar syncToken, Gmail startHistoryId, People
 * syncToken) is no longer accepted; the caller forgets it and runs a full sync.
 */
export type GoogleErrorKind =
  | 'rate_limited'
  | 'not_found'
  | 'conflict'
  | 'auth'
  | 'validation'
  | 'transient'
  | 'sync_token_expired';

/** Which API failed; 'oauth' is the token endpoint (refreshing the access token). */
export type GoogleApi = 'calendar' | 'gmail' | 'people' | 'oauth';

export interface GoogleRequestStats {
  /** Every HTTP request sent (including retries and token refreshes), total. */
  requests: number;
  /** Requests per endpoint key, e.g. "GET /gmail/v1/users/me/messages/:id", "POST /token". */
  byEndpoint: Record<string, number>;
  /** Rate-limit answers received (429, 403 rateLimitExceeded/userRateLimitExceeded/quotaExceeded). */
  rateLimited: number;
  /** Retries performed. */
  retries: number;
  /** Milliseconds spent waiting in the pacer or in retry backoff. */
  waitedMs: number;
}

export interface GoogleConnectorOptions {
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /**
   * GOOGLE_API_ROOT, e.g. http://127.0.0.1:PORT (an emulator): every client's rootUrl and the
   * OAuth token endpoint (`${apiRoot}/token`). Default: Google's own hosts.
   */
  apiRoot?: string;
  /** Token bucket rate shared by all three APIs and the token endpoint; default 10. */
  requestsPerSecond?: number;
  /** Bucket size (burst); default = requestsPerSecond. */
  burst?: number;
  /** Retries for retryable failures; default 5. */
  maxRetries?: number;
  /** Per HTTP request, measured from when the pacer lets it go (body included); default 60,000. */
  timeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
  /** The fetch gaxios sends through (as its fetchImplementation); default globalThis.fetch. */
  fetch?: typeof fetch;
  /** Concurrent messages.get in getMessagesMetadata; default 8. */
  gmailConcurrency?: number;
  /** First backoff step when no Retry-After is given; default 1,000 ms, doubled per attempt. */
  retryBaseDelayMs?: number;
  /** Cap of the exponential backoff; default 60,000 ms. */
  retryMaxDelayMs?: number;
  /** Source of jitter in [0, 1); default Math.random. Injected so tests are deterministic. */
  random?: () => number;
}

export interface CalendarListOptions {
  /** Incremental sync from this token; timeMin/timeMax are then not sent (Google forbids them). */
  syncToken?: string;
  /** Full sync window (RFC 3339 with offset): events ending after timeMin… */
  timeMin?: string;
  /** …and starting before timeMax. */
  timeMax?: string;
}

export interface GmailHistoryChanges {
  /** Messages added since startHistoryId (and not deleted since). */
  added: string[];
  /** Messages deleted for good (trashing is a label change). */
  deleted: string[];
  /** Messages whose labels changed, not already in `added` or `deleted`. */
  labelsChanged: string[];
  /** The mailbox's history id after these changes: the next startHistoryId. */
  historyId: string;
}

export interface GoogleConnector {
  calendar: {
    /**
     * Full (no syncToken: with the timeMin/timeMax window, singleEvents=true, showDeleted=false) or
     * incremental (syncToken, singleEvents=true; cancelled events included as Google sends them).
     * Follows every page, empty ones with a nextPageToken included, and returns all events plus
     * the nextSyncToken of the last page. Throws kind sync_token_expired on 410.
     */
    listEvents(calendarId: string, opts: CalendarListOptions): Promise<{ events: calendar_v3.Schema$Event[]; nextSyncToken: string }>;
  };
  gmail: {
    getProfile(): Promise<{ emailAddress: string; historyId: string }>;
    /** Ids of messages matching q (500 per page), all pages, up to `limit`. */
    listMessageIds(q: string | undefined, limit?: number): Promise<Array<{ id: string; threadId: string }>>;
    /**
     * format=metadata with headers From/To/Cc/Subject/Date, at most gmailConcurrency in flight,
     * each distinct id fetched once; a 404 maps to null (deleted meanwhile), not an error.
     */
    getMessagesMetadata(ids: string[]): Promise<Map<string, gmail_v1.Schema$Message | null>>;
    /** history.list from startHistoryId (all pages, 500 each). Throws sync_token_expired on 404. */
    listHistory(startHistoryId: string): Promise<GmailHistoryChanges>;
  };
  people: {
    /**
     * connections.list (PERSON_FIELDS, pageSize 1000, requestSyncToken), all pages; incremental
     * with syncToken (deleted people carry metadata.deleted). Throws sync_token_expired on an
     * EXPIRED_SYNC_TOKEN answer.
     */
    listConnections(opts: { syncToken?: string }): Promise<{ people: people_v1.Schema$Person[]; nextSyncToken: string }>;
    /** null when the person does not exist (404). */
    getPerson(resourceName: string): Promise<people_v1.Schema$Person | null>;
    /**
     * Never retried blindly on 5xx/timeouts (a duplicate contact would result; the error then
     * carries mayHaveCommitted); rate limits are retried. Mutations are serialized per connector.
     */
    createContact(person: people_v1.Schema$Person): Promise<people_v1.Schema$Person>;
    /**
     * `person.metadata.sources[].etag` is required; a stale etag fails with kind conflict (re-read,
     * merge, retry with the new etag). Not retried on 5xx/timeouts (mayHaveCommitted): a repeat
     * would fail on the etag anyway, so the caller re-reads instead.
     */
    updateContact(resourceName: string, person: people_v1.Schema$Person, updatePersonFields: string[]): Promise<people_v1.Schema$Person>;
    /** Idempotent: retried on 5xx/timeouts, and a 404 on a retry counts as deleted. */
    deleteContact(resourceName: string): Promise<void>;
  };
  readonly stats: GoogleRequestStats;
  resetStats(): void;
}
