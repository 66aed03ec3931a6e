/**
 * A stateful emulator of the Google APIs jarvis-sync uses, one HTTP server for all of them:
 * Calendar v3 (/calendar/v3/...), Gmail v1 (/gmail/v1/...), People v1 (/v1/people...) and the OAuth
 * token endpoint (POST /token). The unmodified official clients talk to it:
 *   calendar({ version: 'v3', auth, rootUrl: emulator.url + '/' })
 *   new OAuth2Client({ clientId, clientSecret, endpoints: { oauth2TokenUrl: emulator.url + '/token' } })
 * See emulators/google/README.md for behaviour and the choices made where Google is undocumented.
 */
import { EmulatorServer } from '../shared/http.ts';
import { CalendarPush } from './calendarPush.ts';
import { systemClock } from '../../src/lib/clock.ts';
import { CalendarStore } from './calendar.ts';
import { Sequence } from './changelog.ts';
import { FaultInjector } from './faults.ts';
import { GmailStore } from './gmail.ts';
import { IdSource, seededRandom } from './ids.ts';
import { TokenIssuer } from './oauth.ts';
import { isValidTimeZone } from './time.ts';
import { PeopleStore } from './people.ts';
import { RateLimiter } from './rate-limit.ts';
import type { ApiContext } from './routes.ts';
import { applySeed } from './seed.ts';
import { createRequestHandler } from './server.ts';
import type { GoogleEmulator, GoogleEmulatorOptions } from './types.ts';

export type * from './types.ts';
export { loadGoogleSeedFile } from './seed.ts';
export { EMULATOR_ACCESS_TOKEN, DEFAULT_SCOPES, GMAIL_METADATA_SCOPE } from './oauth.ts';
export { seededRandom } from './ids.ts';

export const DEFAULT_USER_EMAIL = 'me@example.com';
export const DEFAULT_SYNC_TOKEN_HORIZON_MS = 7 * 86_400_000;
/**
 * People: "Writes may have a propagation delay of several minutes for sync requests" (connections.list
 * docs). Five minutes is a realistic reading of "several" and longer than the gap between a sync run and
 * the next one a webhook, a retry or a manual `sync` starts, so by default a client meets its own writes
 * late, as it will against Google. Tests that need read-after-write set propagationDelayMs: 0 and say why.
 */
export const DEFAULT_PEOPLE_PROPAGATION_DELAY_MS = 5 * 60_000;

export function createGoogleEmulator(opts: GoogleEmulatorOptions = {}): GoogleEmulator {
  const clock = opts.clock ?? systemClock;
  const userEmail = opts.userEmail ?? DEFAULT_USER_EMAIL;
  const horizonMs = opts.syncTokenHorizonMs ?? DEFAULT_SYNC_TOKEN_HORIZON_MS;
  if (opts.emptyPageEvery !== undefined && !(Number.isInteger(opts.emptyPageEvery) && opts.emptyPageEvery >= 2)) {
    throw new Error('emptyPageEvery must be an integer ≥ 2');
  }
  const seq = new Sequence();
  if (opts.calendarTimeZone !== undefined && !isValidTimeZone(opts.calendarTimeZone)) throw new Error(`calendarTimeZone: unknown time zone ${opts.calendarTimeZone}`);
  const calendarStore = new CalendarStore(seq, clock, userEmail, { horizonMs, emptyPageEvery: opts.emptyPageEvery ?? null, defaultTimeZone: opts.calendarTimeZone });
  const push = new CalendarPush(clock, (id) => calendarStore.resolveId(id));
  const api: ApiContext = {
    calendar: calendarStore,
    push,
    gmail: new GmailStore(clock, userEmail, horizonMs, new IdSource(0x6d61696c)),
    people: new PeopleStore(seq, clock, new IdSource(0x70706c), userEmail, { horizonMs, propagationDelayMs: opts.propagationDelayMs ?? DEFAULT_PEOPLE_PROPAGATION_DELAY_MS }),
    tokens: new TokenIssuer(clock, {
      refreshTokens: opts.refreshTokens,
      clientId: opts.clientId,
      clientSecret: opts.clientSecret,
      scopes: opts.scopes,
      enforceExpiry: opts.enforceTokenExpiry,
    }),
  };
  const limiter = new RateLimiter(clock);
  limiter.set(opts.rateLimit ?? null);
  const faults = new FaultInjector(opts.random ?? seededRandom(1));
  const counts = new Map<string, number>();
  const handle = createRequestHandler({ api, clock, limiter, faults, counts });

  const http = new EmulatorServer('Google', handle, opts.recorder);
  const emulator: GoogleEmulator = {
    setCalendarWatch: (watch) => push.set(watch),
    flushCalendarPushes: () => push.flush(),
    get calendarPushes() {
      return push.deliveries;
    },
    listen: (port, host) => http.listen(port, host),
    close: () => http.close(),
    get url() {
      return http.url;
    },
    handle,
    userEmail,

    calendar: {
      upsertEvent: (calendarId, event) => {
        const out = structuredClone(api.calendar.upsert(calendarId, event).event);
        push.changed(calendarId);
        return out;
      },
      cancelEvent: (calendarId, id) => {
        api.calendar.cancel(calendarId, id);
        push.changed(calendarId);
      },
      getEvent: (calendarId, id) => api.calendar.controlGet(calendarId, id),
      listEvents: (calendarId, o = {}) => api.calendar.controlList(calendarId, o.includeCancelled === true),
      setTimeZone: (calendarId, tz) => api.calendar.setTimeZone(calendarId, tz),
    },
    gmail: {
      addMessage: (m) => api.gmail.controlView(api.gmail.add(m)),
      deleteMessage: (id) => api.gmail.delete(id),
      modifyLabels: (id, add, remove) => api.gmail.modifyLabels(id, add, remove),
      getMessage: (id) => {
        const rec = api.gmail.messages.get(id);
        return rec ? api.gmail.controlView(rec) : undefined;
      },
      listMessages: () => api.gmail.controlList(),
      get historyId() {
        return String(api.gmail.historyId);
      },
    },
    people: {
      addPerson: (p) => api.people.render(api.people.create(p, { keepResourceName: true }), null),
      updatePerson: (resourceName, patch) => {
        if (!emulator.people.getPerson(resourceName)) throw new Error(`updatePerson: no contact ${resourceName}`);
        const fields = Object.keys(patch).filter((k) => !['resourceName', 'etag', 'metadata'].includes(k));
        return api.people.render(api.people.replaceFields(resourceName, patch, fields), null);
      },
      deletePerson: (resourceName) => {
        if (!emulator.people.getPerson(resourceName)) throw new Error(`deletePerson: no contact ${resourceName}`);
        api.people.delete(resourceName);
      },
      getPerson: (resourceName) => {
        const rec = api.people.records.get(resourceName);
        return rec && !rec.deleted ? api.people.render(rec, null) : undefined;
      },
      listPeople: () => api.people.controlList(),
    },

    expireSyncTokens() {
      seq.barrier = seq.next();
      api.gmail.expire();
    },
    revokeAccessTokens: () => api.tokens.revokeAccessTokens(),
    revokeRefreshToken: (t) => api.tokens.revokeRefreshToken(t),

    setRateLimit(limit) {
      limiter.set(limit);
    },
    setFaults(f) {
      faults.set(f);
    },
    get faultsInjected() {
      return faults.injected;
    },
    get requestCounts() {
      return Object.fromEntries(counts);
    },
    totalRequests() {
      let n = 0;
      for (const c of counts.values()) n += c;
      return n;
    },
    resetCounts() {
      counts.clear();
    },
  };
  if (opts.seed) applySeed(api, opts.seed);
  return emulator;
}
