/**
 * Gmail v1 (metadata sync): a mailbox of messages with labels, an append-only history with
 * increasing but non-contiguous ids, users.getProfile, messages.list (with a useful subset of the
 * search syntax), messages.get in every format and history.list.
 *
 * History retention: records older than the horizon are gone. A startHistoryId is answerable only
 * while every record after it still exists; otherwise 404, like Gmail's "out of date" ids.
 */
import type { Clock } from '../../src/lib/clock.ts';
import { badRequestV1, v1Error } from './errors.ts';
import type { IdSource } from './ids.ts';
import { DAY_MS, fromZoned, rfc2822 } from './time.ts';
import { decodeToken, encodeToken, fingerprint, firstAfter, ResultCache } from './tokens.ts';
import type { GmailMessage, SeedMessage } from './types.ts';

interface Header {
  name: string;
  value: string;
}

export interface MessageRecord {
  id: string;
  threadId: string;
  ord: number;
  labelIds: string[];
  headers: Header[];
  snippet: string;
  body: string;
  internalDate: number;
  historyId: number;
  sizeEstimate: number;
  /** Lower-cased text for search. */
  from: string;
  to: string;
  cc: string;
  subject: string;
}

type HistoryKind = 'base' | 'added' | 'deleted' | 'labels';

interface HistoryRecord {
  id: number;
  at: number;
  kind: HistoryKind;
  messageId: string;
  threadId: string;
  /** The message's labels right after this change. */
  labelIds: string[];
  added?: string[];
  removed?: string[];
}

interface PageToken {
  f: string;
  a: Array<number | string>;
}

const LIST_PREFIX = 'GM.m.';
const HISTORY_PREFIX = 'GM.h.';
/** Gmail search dates are "midnight on that date in the PST timezone" (Gmail API search guide; UNCERTAIN: PST read as America/Los_Angeles). */
const SEARCH_TZ = 'America/Los_Angeles';
const HISTORY_TYPES: Record<string, 'messagesAdded' | 'messagesDeleted' | 'labelsAdded' | 'labelsRemoved'> = {
  messageAdded: 'messagesAdded',
  messageDeleted: 'messagesDeleted',
  labelAdded: 'labelsAdded',
  labelRemoved: 'labelsRemoved',
};

export const gmailNotFound = () => v1Error(404, 'notFound', 'Requested entity was not found.', { status: 'NOT_FOUND' });
const forbidden = (message: string) => v1Error(403, 'forbidden', message, { status: 'PERMISSION_DENIED' });

const lower = (s: string) => s.toLowerCase();
const ID = /^[0-9a-f]{1,32}$/i;

export class GmailStore {
  readonly messages = new Map<string, MessageRecord>();
  private history: HistoryRecord[] = [];
  /** Highest history id physically dropped from `history`. */
  private prunedUpTo = 0;
  /** History ids below this are invalid (expireSyncTokens). */
  private barrier = 0;
  private sorted: MessageRecord[] | null = null;
  private version = 0;
  private ord = 0;
  private readonly cache = new ResultCache<MessageRecord[]>(16);

  constructor(
    private readonly clock: Clock,
    readonly userEmail: string,
    private readonly horizonMs: number,
    private readonly ids: IdSource,
  ) {
    const first = 1_000_000 + ids.int(0, 899_999);
    this.barrier = first;
    this.history.push({ id: first, at: clock.now(), kind: 'base', messageId: '', threadId: '', labelIds: [] });
  }

  get historyId(): number {
    return this.history.length ? this.history[this.history.length - 1]!.id : this.prunedUpTo;
  }

  /** One history record per change. UNCERTAIN: Gmail may group changes; messages in records carry the labels right after the change. */
  private record(kind: HistoryKind, m: MessageRecord | null, extra: Partial<HistoryRecord> = {}): number {
    const id = this.historyId + this.ids.int(1, 12); // increasing, not contiguous
    const now = this.clock.now();
    this.history.push({ id, at: now, kind, messageId: m?.id ?? '', threadId: m?.threadId ?? '', labelIds: m ? [...m.labelIds] : [], ...extra });
    this.version++;
    if (this.history.length % 4096 === 0) this.prune(now);
    return id;
  }

  private prune(now: number): void {
    const cutoff = now - this.horizonMs;
    let i = 0;
    while (i < this.history.length - 1 && this.history[i]!.at < cutoff) i++;
    if (i > 1024) {
      this.prunedUpTo = this.history[i - 1]!.id;
      this.history = this.history.slice(i);
    }
  }

  /** Every history id handed out so far stops being a valid startHistoryId. */
  expire(): void {
    this.barrier = this.record('base', null);
  }

  // ---- writes (control API and seeds) ----------------------------------------------------------

  add(m: SeedMessage): MessageRecord {
    const internalDate = m.internalDate === undefined ? this.clock.now() : typeof m.internalDate === 'number' ? m.internalDate : Date.parse(m.internalDate);
    if (!Number.isFinite(internalDate)) throw new Error(`addMessage: invalid internalDate ${m.internalDate}`);
    if (typeof m.from !== 'string' || !Array.isArray(m.to) || typeof m.subject !== 'string') throw new Error('addMessage: from, to[] and subject are required');
    const ord = ++this.ord;
    const id = m.id ?? ((BigInt(Math.max(0, Math.floor(internalDate))) << 20n) | BigInt(ord & 0xfffff)).toString(16).padStart(16, '0');
    if (!ID.test(id)) throw new Error(`addMessage: invalid id ${id} (Gmail ids are hex)`);
    if (this.messages.has(id)) throw new Error(`addMessage: message ${id} already exists`);
    const threadId = m.threadId ?? id;
    const fromOwner = m.from.toLowerCase().includes(this.userEmail.toLowerCase());
    const labelIds = [...new Set(m.labelIds ?? (fromOwner ? ['SENT'] : ['INBOX', 'UNREAD', 'CATEGORY_PERSONAL']))];
    const snippet = m.snippet ?? m.subject.slice(0, 100);
    const headers: Header[] = [
      { name: 'MIME-Version', value: '1.0' },
      { name: 'Date', value: rfc2822(internalDate) },
      { name: 'Message-ID', value: `<${id}@mail.emulator.example>` },
      { name: 'Subject', value: m.subject },
      { name: 'From', value: m.from },
      { name: 'To', value: m.to.join(', ') },
      ...(m.cc && m.cc.length > 0 ? [{ name: 'Cc', value: m.cc.join(', ') }] : []),
      { name: 'Content-Type', value: 'text/plain; charset="UTF-8"' },
    ];
    const rec: MessageRecord = {
      id,
      threadId,
      ord,
      labelIds,
      headers,
      snippet,
      body: `${snippet}\r\n`,
      internalDate,
      historyId: 0,
      sizeEstimate: 0,
      from: lower(m.from),
      to: lower(m.to.join(', ')),
      cc: lower((m.cc ?? []).join(', ')),
      subject: lower(m.subject),
    };
    rec.sizeEstimate = Buffer.byteLength(rawMessage(rec));
    this.messages.set(id, rec);
    this.sorted = null;
    rec.historyId = this.record('added', rec);
    return rec;
  }

  delete(id: string): void {
    const rec = this.messages.get(id);
    if (!rec) throw new Error(`deleteMessage: no message ${id}`);
    this.messages.delete(id);
    this.sorted = null;
    this.record('deleted', rec);
  }

  modifyLabels(id: string, add: string[], remove: string[]): void {
    const rec = this.messages.get(id);
    if (!rec) throw new Error(`modifyLabels: no message ${id}`);
    const added = [...new Set(add)].filter((l) => !rec.labelIds.includes(l) && !remove.includes(l));
    const removed = [...new Set(remove)].filter((l) => rec.labelIds.includes(l));
    if (added.length === 0 && removed.length === 0) return;
    rec.labelIds = [...rec.labelIds.filter((l) => !removed.includes(l)), ...added];
    rec.historyId = this.record('labels', rec, { added, removed });
  }

  // ---- reads -------------------------------------------------------------------------------------

  checkUser(userId: string): void {
    if (userId !== 'me' && userId.toLowerCase() !== this.userEmail.toLowerCase()) throw forbidden(`Delegation denied for ${this.userEmail}`);
  }

  profile(): Record<string, unknown> {
    const threads = new Set<string>();
    for (const m of this.messages.values()) threads.add(m.threadId);
    return { emailAddress: this.userEmail, messagesTotal: this.messages.size, threadsTotal: threads.size, historyId: String(this.historyId) };
  }

  private byDateDesc(): MessageRecord[] {
    if (!this.sorted) this.sorted = [...this.messages.values()].sort((a, b) => b.internalDate - a.internalDate || b.ord - a.ord);
    return this.sorted;
  }

  list(q: URLSearchParams, metadataScope: boolean): Record<string, unknown> {
    const query = q.get('q') ?? '';
    if (query !== '' && metadataScope) throw forbidden("Metadata scope does not support 'q' parameter");
    const max = limit(q, 'maxResults', 100, 500);
    const labelIds = [...q.getAll('labelIds'), ...q.getAll('labelIds[]')];
    const includeSpamTrash = q.get('includeSpamTrash') === 'true';
    const now = this.clock.now();
    const fp = fingerprint([query, labelIds, includeSpamTrash]);
    const matches = this.cache.get(`${fp}|${this.version}|${Math.floor(now / 60_000)}`, () => {
      const test = compileQuery(query, { now, userEmail: this.userEmail });
      const spamTrashOk = includeSpamTrash || test.mentionsSpamTrash;
      return this.byDateDesc().filter(
        (m) =>
          (spamTrashOk || (!m.labelIds.includes('SPAM') && !m.labelIds.includes('TRASH'))) &&
          labelIds.every((l) => m.labelIds.includes(l)) &&
          test.match(m),
      );
    });
    const page = pageToken(q.get('pageToken'), LIST_PREFIX, fp);
    const key = (m: MessageRecord) => [-m.internalDate, -m.ord];
    const start = firstAfter(matches, key, page?.a);
    const slice = matches.slice(start, start + max);
    const body: Record<string, unknown> = {};
    if (slice.length > 0) body.messages = slice.map((m) => ({ id: m.id, threadId: m.threadId }));
    if (start + max < matches.length) body.nextPageToken = encodeToken(LIST_PREFIX, { f: fp, a: key(slice[slice.length - 1]!) } satisfies PageToken);
    body.resultSizeEstimate = matches.length;
    return body;
  }

  get(id: string, q: URLSearchParams, metadataScope: boolean): GmailMessage {
    const format = (q.get('format') ?? 'full').toLowerCase();
    if (!['full', 'metadata', 'minimal', 'raw'].includes(format)) throw badRequestV1(`Invalid value at 'format' (type.googleapis.com/google.apps.gmail.v1.Format), "${q.get('format')}"`, 'invalid');
    if (metadataScope && (format === 'full' || format === 'raw')) throw forbidden(`Metadata scope doesn't allow format ${format.toUpperCase()}`);
    const rec = this.messages.get(id);
    if (!rec) throw gmailNotFound();
    const wanted = [...q.getAll('metadataHeaders'), ...q.getAll('metadataHeaders[]')].map(lower);
    return renderMessage(rec, format, wanted);
  }

  historyList(q: URLSearchParams): Record<string, unknown> {
    const raw = q.get('startHistoryId');
    if (raw === null || raw === '') throw badRequestV1('Missing startHistoryId', 'invalidArgument'); // UNCERTAIN wording
    if (!/^\d+$/.test(raw)) throw badRequestV1(`Invalid startHistoryId: ${raw}`, 'invalidArgument');
    const start = Number(raw);
    const now = this.clock.now();
    // UNCERTAIN: an id above the current one is treated as invalid (404) too.
    if (start < this.floor(now) || start > this.historyId) throw gmailNotFound();
    const max = limit(q, 'maxResults', 100, 500);
    const types = [...q.getAll('historyTypes'), ...q.getAll('historyTypes[]')];
    for (const t of types) if (!HISTORY_TYPES[t]) throw badRequestV1(`Invalid value at 'history_types', "${t}"`, 'invalid');
    const labelId = q.get('labelId');
    const fp = fingerprint([start, types, labelId]);
    const page = pageToken(q.get('pageToken'), HISTORY_PREFIX, fp);
    const after = Math.max(start, Number(page?.a[0] ?? 0));
    const wantedTypes = types.length > 0 ? new Set(types.map((t) => HISTORY_TYPES[t])) : null;

    let i = firstAfter(this.history, (h) => [h.id], [after]);
    const out: Record<string, unknown>[] = [];
    let last = after;
    for (; i < this.history.length && out.length < max; i++) {
      const h = this.history[i]!;
      last = h.id;
      const rendered = renderHistory(h, wantedTypes, labelId);
      if (rendered) out.push(rendered);
    }
    // Skip trailing records the filters drop, so a last page never promises more that isn't there.
    let more = false;
    for (let j = i; j < this.history.length; j++) {
      if (renderHistory(this.history[j]!, wantedTypes, labelId)) {
        more = true;
        break;
      }
    }
    const body: Record<string, unknown> = {};
    if (out.length > 0) body.history = out;
    if (more) body.nextPageToken = encodeToken(HISTORY_PREFIX, { f: fp, a: [last] } satisfies PageToken);
    body.historyId = String(this.historyId);
    return body;
  }

  /** The lowest startHistoryId still answerable at `now`. */
  private floor(now: number): number {
    const cutoff = now - this.horizonMs;
    // The last record older than the horizon: everything after it is still kept.
    let lo = 0;
    let hi = this.history.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.history[mid]!.at < cutoff) lo = mid + 1;
      else hi = mid;
    }
    const lastPruned = lo > 0 ? this.history[lo - 1]!.id : this.prunedUpTo;
    return Math.max(this.barrier, lastPruned);
  }

  controlView(rec: MessageRecord): GmailMessage {
    return renderMessage(rec, 'full', []);
  }

  controlList(): GmailMessage[] {
    return this.byDateDesc().map((m) => this.controlView(m));
  }
}

function limit(q: URLSearchParams, name: string, dflt: number, max: number): number {
  if (!q.has(name)) return dflt;
  const n = Number(q.get(name));
  if (!Number.isInteger(n) || n < 0) throw badRequestV1(`Invalid value for ${name}: ${q.get(name)}`, 'invalid');
  // UNCERTAIN: Gmail clamps values above the maximum instead of rejecting them; 0 means the default.
  return n === 0 ? dflt : Math.min(n, max);
}

function pageToken(raw: string | null, prefix: string, fp: string): PageToken | null {
  if (raw === null || raw === '') return null;
  const t = decodeToken<PageToken>(prefix, raw);
  if (!t || t.f !== fp || !Array.isArray(t.a)) throw badRequestV1('Invalid pageToken', 'invalid'); // UNCERTAIN wording
  return t;
}

function rawMessage(rec: MessageRecord): string {
  return rec.headers.map((h) => `${h.name}: ${h.value}`).join('\r\n') + '\r\n\r\n' + rec.body;
}

function renderMessage(rec: MessageRecord, format: string, wantedHeaders: string[]): GmailMessage {
  const m: GmailMessage = {
    id: rec.id,
    threadId: rec.threadId,
    labelIds: [...rec.labelIds],
    snippet: rec.snippet,
    historyId: String(rec.historyId),
    internalDate: String(rec.internalDate),
    sizeEstimate: rec.sizeEstimate,
  };
  if (format === 'raw') {
    m.raw = Buffer.from(rawMessage(rec)).toString('base64url');
  } else if (format === 'metadata') {
    const headers = wantedHeaders.length > 0 ? rec.headers.filter((h) => wantedHeaders.includes(h.name.toLowerCase())) : rec.headers;
    // UNCERTAIN: the exact part fields Gmail includes with format=metadata.
    m.payload = { partId: '', mimeType: 'text/plain', filename: '', headers: headers.map((h) => ({ ...h })), body: { size: Buffer.byteLength(rec.body) } };
  } else if (format === 'full') {
    m.payload = {
      partId: '',
      mimeType: 'text/plain',
      filename: '',
      headers: rec.headers.map((h) => ({ ...h })),
      body: { size: Buffer.byteLength(rec.body), data: Buffer.from(rec.body).toString('base64url') },
    };
  }
  return m;
}

function renderHistory(h: HistoryRecord, wanted: Set<string> | null, labelId: string | null): Record<string, unknown> | null {
  if (h.kind === 'base') return null;
  if (labelId !== null && !h.labelIds.includes(labelId) && !(h.removed ?? []).includes(labelId)) return null;
  const message = { id: h.messageId, threadId: h.threadId, labelIds: [...h.labelIds] };
  const typed: Record<string, unknown> = {};
  const want = (k: string) => wanted === null || wanted.has(k);
  if (h.kind === 'added' && want('messagesAdded')) typed.messagesAdded = [{ message }];
  if (h.kind === 'deleted' && want('messagesDeleted')) typed.messagesDeleted = [{ message }];
  if (h.kind === 'labels') {
    if (h.added && h.added.length > 0 && want('labelsAdded')) typed.labelsAdded = [{ message, labelIds: [...h.added] }];
    if (h.removed && h.removed.length > 0 && want('labelsRemoved')) typed.labelsRemoved = [{ message, labelIds: [...h.removed] }];
  }
  if (Object.keys(typed).length === 0) return null;
  return { id: String(h.id), messages: [{ id: h.messageId, threadId: h.threadId }], ...typed };
}

// ---- search ------------------------------------------------------------------------------------

interface CompiledQuery {
  match(m: MessageRecord): boolean;
  mentionsSpamTrash: boolean;
}

const CATEGORIES: Record<string, string> = {
  primary: 'CATEGORY_PERSONAL',
  personal: 'CATEGORY_PERSONAL',
  social: 'CATEGORY_SOCIAL',
  promotions: 'CATEGORY_PROMOTIONS',
  updates: 'CATEGORY_UPDATES',
  forums: 'CATEGORY_FORUMS',
};

/** "2026/01/05", "2026-01-05" (midnight PST) or epoch seconds. */
function searchDate(v: string): number | null {
  if (/^\d{9,11}$/.test(v)) return Number(v) * 1000;
  const m = /^(\d{4})[/-](\d{1,2})[/-](\d{1,2})$/.exec(v);
  if (!m) return null;
  return fromZoned({ year: +m[1]!, month: +m[2]!, day: +m[3]!, hour: 0, minute: 0, second: 0 }, SEARCH_TZ);
}

function relative(v: string): number | null {
  const m = /^(\d+)([dmyh])$/i.exec(v);
  if (!m) return null;
  const n = Number(m[1]);
  // UNCERTAIN: a month is 30 days and a year 365 here.
  const unit = { h: 3_600_000, d: DAY_MS, m: 30 * DAY_MS, y: 365 * DAY_MS }[m[2]!.toLowerCase() as 'h' | 'd' | 'm' | 'y'];
  return n * unit;
}

/** Splits a query into terms, keeping "quoted phrases" and key:"quoted values" together. */
function tokenize(q: string): string[] {
  return q.match(/-?[^\s:"]+:"[^"]*"|-?"[^"]*"|\S+/g) ?? [];
}

/**
 * The subset of Gmail search the emulator understands: from:, to:, cc:, subject:, in:, label:, is:,
 * category:, newer_than:, older_than:, after:, before:, -negation, "phrases" and bare words (matched
 * against subject, snippet and addresses). Unknown operators are treated as bare words.
 */
export function compileQuery(q: string, ctx: { now: number; userEmail: string }): CompiledQuery {
  const tests: Array<(m: MessageRecord) => boolean> = [];
  let mentionsSpamTrash = false;
  const label = (l: string) => (m: MessageRecord) => m.labelIds.includes(l);
  const text = (needle: string) => (m: MessageRecord) => [m.subject, lower(m.snippet), m.from, m.to, m.cc].some((h) => h.includes(needle));
  for (let term of tokenize(q)) {
    let negate = false;
    if (term.startsWith('-') && term.length > 1) {
      negate = true;
      term = term.slice(1);
    }
    const colon = term.indexOf(':');
    const op = colon > 0 ? term.slice(0, colon).toLowerCase() : '';
    let value = colon > 0 ? term.slice(colon + 1) : term;
    value = lower(value.replace(/^"|"$/g, ''));
    let t: ((m: MessageRecord) => boolean) | null = null;
    switch (op) {
      case 'from':
        t = value === 'me' ? (m) => m.from.includes(lower(ctx.userEmail)) : (m) => m.from.includes(value);
        break;
      case 'to':
        t = value === 'me' ? (m) => m.to.includes(lower(ctx.userEmail)) : (m) => m.to.includes(value);
        break;
      case 'cc':
        t = (m) => m.cc.includes(value);
        break;
      case 'subject':
        t = (m) => m.subject.includes(value);
        break;
      case 'in':
      case 'label':
      case 'is': {
        if (value === 'anywhere') {
          mentionsSpamTrash = true;
          t = () => true;
        } else if (value === 'read') t = (m) => !m.labelIds.includes('UNREAD');
        else {
          const id = value === 'drafts' ? 'DRAFT' : value.toUpperCase().replace(/-/g, '_');
          if (id === 'SPAM' || id === 'TRASH') mentionsSpamTrash = true;
          t = (m) => m.labelIds.some((l) => l.toUpperCase() === id || lower(l).replace(/[\s/]/g, '-') === value);
        }
        break;
      }
      case 'category':
        t = label(CATEGORIES[value] ?? `CATEGORY_${value.toUpperCase()}`);
        break;
      case 'newer_than':
      case 'older_than': {
        const span = relative(value);
        if (span === null) break;
        const cut = ctx.now - span;
        t = op === 'newer_than' ? (m) => m.internalDate > cut : (m) => m.internalDate <= cut;
        break;
      }
      case 'after':
      case 'before': {
        const at = searchDate(value);
        if (at === null) break;
        t = op === 'after' ? (m) => m.internalDate >= at : (m) => m.internalDate < at;
        break;
      }
    }
    if (!t) t = text(colon > 0 ? lower(term.replace(/"/g, '')) : value);
    const test = t;
    tests.push(negate ? (m) => !test(m) : test);
  }
  return { match: (m) => tests.every((t) => t(m)), mentionsSpamTrash };
}
