/**
 * events.watch over HTTP through the official client: a channel opens with a "sync" message, every
 * change to that calendar's events is POSTed to the address with the X-Goog-Channel-* and
 * X-Goog-Resource-* headers, channels.stop (204) and expiry end it.
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CHANNEL_TTL_MS } from '../../../emulators/google/calendarPush.ts';
import { gaxiosError, start, type Started } from './helpers.ts';

let t: Started | undefined;
let receiver: Server | undefined;
afterEach(async () => {
  await t?.emulator.close();
  t = undefined;
  await new Promise<void>((r) => (receiver ? receiver.close(() => r()) : r()));
  receiver = undefined;
});

async function listen(): Promise<{ url: string; got: IncomingHttpHeaders[] }> {
  const got: IncomingHttpHeaders[] = [];
  receiver = createServer((req, res) => {
    got.push(req.headers);
    req.resume();
    res.end();
  });
  await new Promise<void>((r) => receiver!.listen(0, '127.0.0.1', () => r()));
  return { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/webhooks/google/calendar`, got };
}

const event = (summary: string) => ({ summary, start: { dateTime: '2026-01-06T10:00:00Z' }, end: { dateTime: '2026-01-06T11:00:00Z' } });

describe('Calendar events.watch over HTTP', () => {
  it('opens a channel, notifies each change with the X-Goog headers, and channels.stop ends it', async () => {
    t = await start();
    const r = await listen();
    const ch = await t.cal.events.watch({ calendarId: 'primary', requestBody: { id: 'chan-1', type: 'web_hook', address: r.url, token: 'secret-token' } });
    expect(ch.status).toBe(200);
    expect(ch.data).toMatchObject({ kind: 'api#channel', id: 'chan-1', token: 'secret-token', resourceUri: expect.stringContaining('/calendar/v3/calendars/me%40example.com/events') });
    expect(ch.data.resourceId).toBeTruthy();
    expect(Number(ch.data.expiration)).toBe(t.clock.now() + DEFAULT_CHANNEL_TTL_MS);

    t.emulator.calendar.upsertEvent('primary', event('One'));
    t.emulator.calendar.upsertEvent('other@example.com', event('Elsewhere')); // another calendar: not this channel
    await t.emulator.flushCalendarPushes();
    expect(r.got.map((h) => [h['x-goog-resource-state'], h['x-goog-message-number']])).toEqual([
      ['sync', '1'],
      ['exists', '2'],
    ]);
    expect(r.got[1]).toMatchObject({
      'x-goog-channel-id': 'chan-1',
      'x-goog-channel-token': 'secret-token',
      'x-goog-resource-id': ch.data.resourceId,
      'x-goog-resource-uri': ch.data.resourceUri,
      'x-goog-channel-expiration': new Date(Number(ch.data.expiration)).toUTCString(),
    });

    const stopped = await t.cal.channels.stop({ requestBody: { id: 'chan-1', resourceId: ch.data.resourceId } });
    expect(stopped.status).toBe(204);
    t.emulator.calendar.upsertEvent('primary', event('Two'));
    await t.emulator.flushCalendarPushes();
    expect(r.got).toHaveLength(2);
    const again = await gaxiosError(t.cal.channels.stop({ requestBody: { id: 'chan-1', resourceId: ch.data.resourceId } }));
    expect(again.status).toBe(404);
    expect(again.response!.data.error.errors[0].reason).toBe('notFound');
  });

  it('a channel sends nothing after its expiration (on the emulator clock); ids are unique; bad requests are 400', async () => {
    t = await start();
    const r = await listen();
    const expiration = String(t.clock.now() + 60_000);
    const ch = await t.cal.events.watch({ calendarId: 'primary', requestBody: { id: 'short', type: 'web_hook', address: r.url, expiration } });
    expect(ch.data.expiration).toBe(expiration);
    const dup = await gaxiosError(t.cal.events.watch({ calendarId: 'primary', requestBody: { id: 'short', type: 'web_hook', address: r.url } }));
    expect([dup.status, dup.response!.data.error.errors[0].reason]).toEqual([400, 'channelIdNotUnique']);
    const noAddress = await gaxiosError(t.cal.events.watch({ calendarId: 'primary', requestBody: { id: 'x', type: 'web_hook' } }));
    expect([noAddress.status, noAddress.response!.data.error.errors[0].reason]).toEqual([400, 'required']);
    const unknown = await gaxiosError(t.cal.events.watch({ calendarId: 'nobody@example.com', requestBody: { id: 'y', type: 'web_hook', address: r.url } }));
    expect(unknown.status).toBe(404);

    t.clock.advance(60_000);
    t.emulator.calendar.upsertEvent('primary', event('Late'));
    await t.emulator.flushCalendarPushes();
    expect(r.got.map((h) => h['x-goog-resource-state'])).toEqual(['sync']);
  });
});
