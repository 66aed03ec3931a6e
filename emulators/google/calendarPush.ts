/**
 * Calendar push notifications, as Google sends them for a watch channel (events.watch): an empty
 * POST to the channel's address with X-Goog-Channel-ID/-Token, X-Goog-Resource-ID/-State and a
 * message number; the receiver then runs an incremental sync. Delivered asynchronously; tests
 * await flush().
 */
export interface CalendarWatch {
  url: string;
  /** Echoed in X-Goog-Channel-Token (the receiver checks it). */
  token?: string;
  channelId?: string;
  resourceId?: string;
}

export class CalendarPush {
  private watch: CalendarWatch | null = null;
  private messageNumber = 0;
  private pending: Array<Promise<void>> = [];
  readonly deliveries: Array<{ state: string; status: number | 'failed' }> = [];

  constructor(private readonly fetchImpl: typeof fetch = globalThis.fetch) {}

  set(watch: CalendarWatch | null): void {
    this.watch = watch;
    // Google confirms a new channel with a "sync" message.
    if (watch) this.send('sync');
  }

  changed(): void {
    if (this.watch) this.send('exists');
  }

  async flush(): Promise<void> {
    while (this.pending.length) await Promise.all(this.pending.splice(0));
  }

  private send(state: string): void {
    const w = this.watch!;
    const headers: Record<string, string> = {
      'x-goog-channel-id': w.channelId ?? 'jarvis-sync-emulator-channel',
      'x-goog-resource-id': w.resourceId ?? 'emulator-calendar-resource',
      'x-goog-resource-state': state,
      'x-goog-message-number': String(++this.messageNumber),
      'x-goog-resource-uri': 'https://www.googleapis.com/calendar/v3/calendars/primary/events',
    };
    if (w.token) headers['x-goog-channel-token'] = w.token;
    const delivery = this.fetchImpl(w.url, { method: 'POST', headers, body: '' })
      .then((res) => {
        this.deliveries.push({ state, status: res.status });
      })
      .catch(() => {
        this.deliveries.push({ state, status: 'failed' });
      });
    this.pending.push(delivery);
  }
}
