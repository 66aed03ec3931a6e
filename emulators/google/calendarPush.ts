/**
 * Calendar push notifications, as Google sends them for a watch channel (events.watch): an empty
 * POST to the channel's address with X-Goog-Channel-ID/-Token/-Expiration, X-Goog-Resource-ID/-URI/
 * -State and a per-channel message number ("sync" when the channel opens, "exists" on each change);
 * the receiver then runs an incremental sync. Channels come from POST .../events/watch (the real
 * endpoint) or the control API's setCalendarWatch; channels.stop and expiry (on the emulator clock)
 * end them. Delivered asynchronously; tests await flush().
 */
import type { Clock } from '../../src/lib/clock.ts';
import { v1Error } from './errors.ts';

export interface CalendarWatch {
  url: string;
  /** Echoed in X-Goog-Channel-Token (the receiver checks it). */
  token?: string;
  channelId?: string;
  resourceId?: string;
}

interface Channel {
  id: string;
  resourceId: string;
  calendarId: string;
  address: string;
  token?: string;
  /** Epoch ms; null = never (control-API channels). */
  expiration: number | null;
  messageNumber: number;
}

/** UNCERTAIN: Calendar's default (and maximum) channel lifetime; 7 days as for other Google push channels. */
export const DEFAULT_CHANNEL_TTL_MS = 7 * 86_400_000;
const CONTROL_CHANNEL = 'jarvis-sync-emulator-channel';

export class CalendarPush {
  private readonly channels = new Map<string, Channel>();
  private pending: Array<Promise<void>> = [];
  private resources = 0;
  readonly deliveries: Array<{ state: string; status: number | 'failed' }> = [];

  constructor(
    private readonly clock: Clock,
    /** Resolves "primary" to the calendar's id. */
    private readonly resolve: (calendarId: string) => string,
    private readonly fetchImpl: typeof fetch = globalThis.fetch,
  ) {}

  /** The control API's single channel on the primary calendar (replaced on each call; null stops it). */
  set(watch: CalendarWatch | null): void {
    for (const c of this.channels.values()) if (c.expiration === null) this.channels.delete(c.id);
    if (!watch) return;
    const ch: Channel = {
      id: watch.channelId ?? CONTROL_CHANNEL,
      resourceId: watch.resourceId ?? 'emulator-calendar-resource',
      calendarId: this.resolve('primary'),
      address: watch.url,
      token: watch.token,
      expiration: null,
      messageNumber: 0,
    };
    this.channels.set(ch.id, ch);
    // Google confirms a new channel with a "sync" message.
    this.send(ch, 'sync');
  }

  /** events.watch: opens a channel on a calendar's events and answers the Channel resource. */
  watch(calendarId: string, body: Record<string, any>): Record<string, unknown> {
    const required = (k: string) => {
      if (typeof body[k] !== 'string' || body[k] === '') throw v1Error(400, 'required', `Required ${k}`, { location: k, locationType: 'parameter' });
      return body[k] as string;
    };
    const id = required('id');
    const address = required('address');
    const type = String(body.type ?? '');
    if (type !== 'web_hook' && type !== 'webhook') throw v1Error(400, 'invalid', `Invalid value for type: ${type || '(none)'}. Only web_hook is supported.`); // UNCERTAIN wording
    let url: URL;
    try {
      url = new URL(address);
    } catch {
      throw v1Error(400, 'invalid', `Invalid address: ${address}`); // UNCERTAIN wording
    }
    // Google requires HTTPS with a valid certificate; the emulator also takes http:// (local receivers).
    if (url.protocol !== 'https:' && url.protocol !== 'http:') throw v1Error(400, 'push.webhookUrlNotHttps', 'WebHook callback must be HTTPS: ' + address);
    if (this.channels.has(id)) throw v1Error(400, 'channelIdNotUnique', `Channel id ${id} not unique`);
    const now = this.clock.now();
    const asked = body.expiration != null ? Number(body.expiration) : null;
    const expiration = asked !== null && Number.isFinite(asked) && asked > now ? Math.min(asked, now + DEFAULT_CHANNEL_TTL_MS) : now + DEFAULT_CHANNEL_TTL_MS;
    const ch: Channel = {
      id,
      resourceId: `emu-res-${(++this.resources).toString(36)}`,
      calendarId: this.resolve(calendarId),
      address,
      token: typeof body.token === 'string' ? body.token : undefined,
      expiration,
      messageNumber: 0,
    };
    this.channels.set(id, ch);
    this.send(ch, 'sync');
    const out: Record<string, unknown> = { kind: 'api#channel', id, resourceId: ch.resourceId, resourceUri: resourceUri(ch.calendarId), expiration: String(expiration) };
    if (ch.token !== undefined) out.token = ch.token;
    return out;
  }

  /** channels.stop: the channel (id and resourceId must both match) sends nothing more. */
  stop(body: Record<string, any>): void {
    const ch = typeof body.id === 'string' ? this.channels.get(body.id) : undefined;
    if (!ch || ch.resourceId !== body.resourceId) {
      throw v1Error(404, 'notFound', `Channel '${body.id ?? ''}' not found for project '000000000000'`); // UNCERTAIN: project number
    }
    this.channels.delete(ch.id);
  }

  /** A change to `calendarId`'s events: every live channel on it is told "exists". */
  changed(calendarId: string): void {
    const cal = this.resolve(calendarId);
    const now = this.clock.now();
    for (const ch of [...this.channels.values()]) {
      if (ch.expiration !== null && ch.expiration <= now) {
        this.channels.delete(ch.id);
        continue;
      }
      if (ch.calendarId === cal) this.send(ch, 'exists');
    }
  }

  async flush(): Promise<void> {
    while (this.pending.length) await Promise.all(this.pending.splice(0));
  }

  private send(ch: Channel, state: string): void {
    const headers: Record<string, string> = {
      'x-goog-channel-id': ch.id,
      'x-goog-resource-id': ch.resourceId,
      'x-goog-resource-state': state,
      'x-goog-message-number': String(++ch.messageNumber),
      'x-goog-resource-uri': resourceUri(ch.calendarId),
    };
    if (ch.token) headers['x-goog-channel-token'] = ch.token;
    if (ch.expiration !== null) headers['x-goog-channel-expiration'] = new Date(ch.expiration).toUTCString();
    const delivery = this.fetchImpl(ch.address, { method: 'POST', headers, body: '' })
      .then((res) => {
        this.deliveries.push({ state, status: res.status });
      })
      .catch(() => {
        this.deliveries.push({ state, status: 'failed' });
      });
    this.pending.push(delivery);
  }
}

const resourceUri = (calendarId: string) => `https://www.googleapis.com/calendar/v3/calendars/${encodeURIComponent(calendarId)}/events?alt=json`;
