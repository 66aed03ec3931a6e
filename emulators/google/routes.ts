/**
 * The route table: method, path pattern, endpoint key (for request counters and fault filters),
 * which API it belongs to (error style, auth, rate-limit answer) and whether it writes.
 * Paths are the real ones, which the official clients keep when given `rootUrl`.
 */
import type { CalendarStore } from './calendar.ts';
import type { CalendarPush } from './calendarPush.ts';
import type { Api } from './errors.ts';
import type { GmailStore } from './gmail.ts';
import type { PeopleStore } from './people.ts';
import { GMAIL_METADATA_SCOPE, type TokenIssuer } from './oauth.ts';

export interface ApiContext {
  calendar: CalendarStore;
  push: CalendarPush;
  gmail: GmailStore;
  people: PeopleStore;
  tokens: TokenIssuer;
}

export interface ApiRequest {
  /** Decoded path parameters. */
  params: string[];
  query: URLSearchParams;
  body: Record<string, any>;
  /** The form body of POST /token. */
  form: URLSearchParams;
  /** Scopes of the calling access token. */
  scopes: string[];
}

export interface Route {
  method: string;
  pattern: RegExp;
  key: string;
  api: Api;
  /** Writes are not applied when a fault hits them (unless commitThenFail). */
  write: boolean;
  /** NO_CONTENT answers 204 with an empty body. */
  handler: (ctx: ApiContext, req: ApiRequest) => Record<string, any>;
}

/** A handler's "204 No Content" (channels.stop). */
export const NO_CONTENT: Record<string, never> = Object.freeze({});

const SEG = '([^/]+)';
/** People paths put a verb after a colon, which some clients percent-encode. */
const COLON = '(?::|%3[Aa])';
const metadataOnly = (req: ApiRequest) => req.scopes.includes(GMAIL_METADATA_SCOPE);

export const ROUTES: Route[] = [
  {
    method: 'POST',
    pattern: /^\/token$/,
    key: 'POST /token',
    api: 'oauth',
    write: false,
    handler: (ctx, req) => ctx.tokens.grant(req.form),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/calendar/v3/calendars/${SEG}/events$`),
    key: 'GET /calendar/v3/calendars/:id/events',
    api: 'calendar',
    write: false,
    handler: (ctx, req) => ctx.calendar.list(req.params[0]!, req.query),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/calendar/v3/calendars/${SEG}$`),
    key: 'GET /calendar/v3/calendars/:id',
    api: 'calendar',
    write: false,
    handler: (ctx, req) => ctx.calendar.describe(req.params[0]!, false),
  },
  {
    method: 'GET',
    pattern: /^\/calendar\/v3\/users\/me\/calendarList$/,
    key: 'GET /calendar/v3/users/me/calendarList',
    api: 'calendar',
    write: false,
    handler: (ctx) => ctx.calendar.calendarList(),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/calendar/v3/users/me/calendarList/${SEG}$`),
    key: 'GET /calendar/v3/users/me/calendarList/:id',
    api: 'calendar',
    write: false,
    handler: (ctx, req) => ctx.calendar.describe(req.params[0]!, true),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/calendar/v3/calendars/${SEG}/events/watch$`),
    key: 'POST /calendar/v3/calendars/:id/events/watch',
    api: 'calendar',
    write: true,
    handler: (ctx, req) => {
      ctx.calendar.get404(req.params[0]!);
      return ctx.push.watch(req.params[0]!, req.body);
    },
  },
  {
    method: 'POST',
    pattern: /^\/calendar\/v3\/channels\/stop$/,
    key: 'POST /calendar/v3/channels/stop',
    api: 'calendar',
    write: true,
    handler: (ctx, req) => (ctx.push.stop(req.body), NO_CONTENT),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/calendar/v3/calendars/${SEG}/events/${SEG}$`),
    key: 'GET /calendar/v3/calendars/:id/events/:eventId',
    api: 'calendar',
    write: false,
    handler: (ctx, req) => ctx.calendar.get(req.params[0]!, req.params[1]!),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/gmail/v1/users/${SEG}/profile$`),
    key: 'GET /gmail/v1/users/me/profile',
    api: 'gmail',
    write: false,
    handler: (ctx, req) => (ctx.gmail.checkUser(req.params[0]!), ctx.gmail.profile()),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/gmail/v1/users/${SEG}/messages$`),
    key: 'GET /gmail/v1/users/me/messages',
    api: 'gmail',
    write: false,
    handler: (ctx, req) => (ctx.gmail.checkUser(req.params[0]!), ctx.gmail.list(req.query, metadataOnly(req))),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/gmail/v1/users/${SEG}/messages/${SEG}$`),
    key: 'GET /gmail/v1/users/me/messages/:id',
    api: 'gmail',
    write: false,
    handler: (ctx, req) => (ctx.gmail.checkUser(req.params[0]!), ctx.gmail.get(req.params[1]!, req.query, metadataOnly(req))),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/gmail/v1/users/${SEG}/history$`),
    key: 'GET /gmail/v1/users/me/history',
    api: 'gmail',
    write: false,
    handler: (ctx, req) => (ctx.gmail.checkUser(req.params[0]!), ctx.gmail.historyList(req.query)),
  },
  {
    method: 'GET',
    pattern: /^\/v1\/people\/me\/connections$/,
    key: 'GET /v1/people/me/connections',
    api: 'people',
    write: false,
    handler: (ctx, req) => ctx.people.connections(req.query),
  },
  {
    method: 'GET',
    pattern: new RegExp(`^/v1/people${COLON}batchGet$`),
    key: 'GET /v1/people:batchGet',
    api: 'people',
    write: false,
    handler: (ctx, req) => ctx.people.batchGet(req.query),
  },
  {
    method: 'POST',
    pattern: new RegExp(`^/v1/people${COLON}createContact$`),
    key: 'POST /v1/people:createContact',
    api: 'people',
    write: true,
    handler: (ctx, req) => ctx.people.createContact(req.body, req.query),
  },
  {
    method: 'PATCH',
    pattern: new RegExp(`^/v1/people/([^/:%]+)${COLON}updateContact$`),
    key: 'PATCH /v1/people/:id:updateContact',
    api: 'people',
    write: true,
    handler: (ctx, req) => ctx.people.updateContact(`people/${req.params[0]}`, req.body, req.query),
  },
  {
    method: 'DELETE',
    pattern: new RegExp(`^/v1/people/([^/:%]+)${COLON}deleteContact$`),
    key: 'DELETE /v1/people/:id:deleteContact',
    api: 'people',
    write: true,
    handler: (ctx, req) => ctx.people.deleteContact(`people/${req.params[0]}`),
  },
  {
    method: 'GET',
    pattern: /^\/v1\/people\/([^/:%]+)$/,
    key: 'GET /v1/people/:id',
    api: 'people',
    write: false,
    handler: (ctx, req) => ctx.people.get(`people/${req.params[0]}`, req.query),
  },
];

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

export function matchRoute(method: string, path: string): { route: Route; params: string[] } | null {
  for (const route of ROUTES) {
    if (route.method !== method) continue;
    const m = route.pattern.exec(path);
    if (m) return { route, params: m.slice(1).map(decode) };
  }
  return null;
}

/** Which API an unknown path belongs to (for the error style). */
export function apiForPath(path: string): Api {
  if (path.startsWith('/gmail/')) return 'gmail';
  if (path.startsWith('/v1/')) return 'people';
  if (path === '/token') return 'oauth';
  return 'calendar';
}
