/** Gmail v1 through the real @googleapis/gmail client: profile, list, get (metadata), history. */
import { afterEach, describe, expect, it } from 'vitest';
import type { SeedMessage } from '../../../emulators/google/index.ts';
import { allPages, DAY, gaxiosError, start, type Started } from './helpers.ts';

let t: Started;
afterEach(async () => {
  await t.emulator.close();
});

const NOW = Date.parse('2026-01-05T09:00:00.000Z');

/** n messages, one a day going back from yesterday; every third one is sent by me. */
function mailbox(n: number): SeedMessage[] {
  return Array.from({ length: n }, (_, i) => ({
    from: i % 3 === 0 ? 'Me <me@example.com>' : `Maya Chen <maya.chen@example.com>`,
    to: i % 3 === 0 ? ['Jonas Weber <jonas.weber@example.de>'] : ['me@example.com'],
    ...(i % 5 === 0 ? { cc: ['priya.raman@example.in'] } : {}),
    subject: `Message ${i}`,
    snippet: `Body of message ${i}`,
    internalDate: NOW - (i + 1) * DAY,
  }));
}

describe('Gmail', () => {
  it('getProfile reports the mailbox and its current history id', async () => {
    t = await start({ seed: { messages: mailbox(10) } });
    const res = await t.gm.users.getProfile({ userId: 'me' });
    expect(res.data).toEqual({ emailAddress: 'me@example.com', messagesTotal: 10, threadsTotal: 10, historyId: t.emulator.gmail.historyId });
  });

  it('messages.list: newest first, pages, q filters, spam/trash excluded by default', async () => {
    const messages = mailbox(120);
    messages[1]!.labelIds = ['SPAM'];
    messages[2]!.labelIds = ['TRASH'];
    t = await start({ seed: { messages } });
    const pages = await allPages(async (pageToken) => (await t.gm.users.messages.list({ userId: 'me', pageToken })).data);
    expect(pages.map((p) => p.messages!.length)).toEqual([100, 18]); // default maxResults 100
    expect(pages[0]!.resultSizeEstimate).toBe(118);
    const ids = pages.flatMap((p) => p.messages!);
    expect(Object.keys(ids[0]!).sort()).toEqual(['id', 'threadId']);
    const all = t.emulator.gmail.listMessages();
    expect(ids[0]!.id).toBe(all[0]!.id); // newest first

    const recent = await t.gm.users.messages.list({ userId: 'me', q: 'newer_than:90d', maxResults: 500 });
    expect(recent.data.messages).toHaveLength(89 - 2); // 89 days back from "now", minus spam and trash
    const after = await t.gm.users.messages.list({ userId: 'me', q: 'after:2025/12/30' });
    expect(after.data.resultSizeEstimate).toBe(4); // midnight PST on 30 Dec: 30 Dec 09:00 UTC to 4 Jan, minus spam and trash
    const fromMaya = await t.gm.users.messages.list({ userId: 'me', q: 'from:maya.chen@example.com newer_than:10d' });
    expect(fromMaya.data.resultSizeEstimate).toBe(4); // i = 4, 5, 7, 8 (1 and 2 are spam/trash)
    const inbox = await t.gm.users.messages.list({ userId: 'me', q: 'in:inbox', maxResults: 500 });
    expect(inbox.data.resultSizeEstimate).toBe(80 - 2);
    const withSpam = await t.gm.users.messages.list({ userId: 'me', includeSpamTrash: true, maxResults: 500 });
    expect(withSpam.data.resultSizeEstimate).toBe(120);
    const labels = await t.gm.users.messages.list({ userId: 'me', labelIds: ['SENT'], maxResults: 500 });
    expect(labels.data.resultSizeEstimate).toBe(40);
    const none = await t.gm.users.messages.list({ userId: 'me', q: 'subject:"no such subject"' });
    expect(none.data).toEqual({ resultSizeEstimate: 0 });
  });

  it('messages.get format=metadata returns only the requested headers; unknown ids are 404', async () => {
    t = await start({ seed: { messages: mailbox(5) } });
    const [newest] = t.emulator.gmail.listMessages();
    const res = await t.gm.users.messages.get({ userId: 'me', id: newest!.id!, format: 'metadata', metadataHeaders: ['From', 'To', 'Cc', 'Subject', 'Date'] });
    expect(res.data).toMatchObject({
      id: newest!.id,
      threadId: newest!.id,
      labelIds: ['SENT'],
      snippet: 'Body of message 0',
      historyId: expect.stringMatching(/^\d+$/),
      internalDate: String(NOW - DAY),
      sizeEstimate: expect.any(Number),
    });
    expect(res.data.payload!.headers).toEqual([
      { name: 'Date', value: 'Sun, 4 Jan 2026 09:00:00 +0000' },
      { name: 'Subject', value: 'Message 0' },
      { name: 'From', value: 'Me <me@example.com>' },
      { name: 'To', value: 'Jonas Weber <jonas.weber@example.de>' },
      { name: 'Cc', value: 'priya.raman@example.in' },
    ]);
    const minimal = await t.gm.users.messages.get({ userId: 'me', id: newest!.id!, format: 'minimal' });
    expect(minimal.data.payload).toBeUndefined();
    const rawMsg = await t.gm.users.messages.get({ userId: 'me', id: newest!.id!, format: 'raw' });
    expect(Buffer.from(rawMsg.data.raw!, 'base64url').toString()).toContain('Subject: Message 0\r\n');

    const e = await gaxiosError(t.gm.users.messages.get({ userId: 'me', id: '18c0000000000000', format: 'metadata' }));
    expect(e.status).toBe(404);
    expect(e.message).toBe('Requested entity was not found.');
    expect(e.response!.data).toEqual({
      error: { errors: [{ domain: 'global', reason: 'notFound', message: 'Requested entity was not found.' }], code: 404, message: 'Requested entity was not found.', status: 'NOT_FOUND' },
    });
    t.emulator.gmail.deleteMessage(newest!.id!);
    expect((await gaxiosError(t.gm.users.messages.get({ userId: 'me', id: newest!.id! }))).status).toBe(404);
  });

  it('history.list returns added, label and deleted records in ascending, non-contiguous order', async () => {
    t = await start({ seed: { messages: mailbox(3) } });
    const start0 = (await t.gm.users.getProfile({ userId: 'me' })).data.historyId!;
    const added = t.emulator.gmail.addMessage({ from: 'kwame.mensah@example.com', to: ['me@example.com'], subject: 'New one' });
    t.emulator.gmail.modifyLabels(added.id!, ['STARRED'], ['UNREAD']);
    const victim = t.emulator.gmail.listMessages()[3]!;
    t.emulator.gmail.deleteMessage(victim.id!);

    const res = await t.gm.users.history.list({ userId: 'me', startHistoryId: start0 });
    const h = res.data.history!;
    expect(h).toHaveLength(3);
    const ids = h.map((r) => Number(r.id));
    expect(ids).toEqual([...ids].sort((a, b) => a - b));
    expect(ids[0]! > Number(start0)).toBe(true);
    expect(res.data.historyId).toBe(t.emulator.gmail.historyId);
    expect(String(ids[2])).toBe(res.data.historyId);
    expect(h[0]!.messagesAdded).toEqual([{ message: { id: added.id, threadId: added.id, labelIds: ['INBOX', 'UNREAD', 'CATEGORY_PERSONAL'] } }]);
    expect(h[1]!.labelsAdded).toEqual([{ message: { id: added.id, threadId: added.id, labelIds: ['INBOX', 'CATEGORY_PERSONAL', 'STARRED'] }, labelIds: ['STARRED'] }]);
    expect(h[1]!.labelsRemoved![0]!.labelIds).toEqual(['UNREAD']);
    expect(h[2]!.messagesDeleted![0]!.message!.id).toBe(victim.id);
    expect(h[2]!.messages).toEqual([{ id: victim.id, threadId: victim.threadId }]);
    // The message's historyId is the last record that touched it.
    expect((await t.gm.users.messages.get({ userId: 'me', id: added.id!, format: 'minimal' })).data.historyId).toBe(String(ids[1]));

    // historyTypes filters records and the typed fields inside them.
    const onlyAdded = await t.gm.users.history.list({ userId: 'me', startHistoryId: start0, historyTypes: ['messageAdded'] });
    expect(onlyAdded.data.history!.map((r) => Object.keys(r).sort())).toEqual([['id', 'messages', 'messagesAdded']]);
    // Nothing new since the current id: just the id back.
    const quiet = await t.gm.users.history.list({ userId: 'me', startHistoryId: res.data.historyId! });
    expect(quiet.data).toEqual({ historyId: res.data.historyId });
    // History ids are not contiguous.
    expect(ids.some((id, i) => i > 0 && id - ids[i - 1]! > 1) || ids[0]! - Number(start0) > 1).toBe(true);
  });

  it('history.list pages with maxResults', async () => {
    t = await start();
    const start0 = t.emulator.gmail.historyId;
    for (let i = 0; i < 25; i++) t.emulator.gmail.addMessage({ from: 'a@example.com', to: ['me@example.com'], subject: `m${i}` });
    const pages = await allPages(async (pageToken) => (await t.gm.users.history.list({ userId: 'me', startHistoryId: start0, maxResults: 10, pageToken })).data);
    expect(pages.map((p) => p.history!.length)).toEqual([10, 10, 5]);
    expect(pages.every((p) => p.historyId === t.emulator.gmail.historyId)).toBe(true);
  });

  it('an out-of-date startHistoryId is 404 (expireSyncTokens, or history older than the horizon)', async () => {
    t = await start({ seed: { messages: mailbox(2) } });
    const h0 = t.emulator.gmail.historyId;
    t.emulator.expireSyncTokens();
    const e = await gaxiosError(t.gm.users.history.list({ userId: 'me', startHistoryId: h0 }));
    expect(e.status).toBe(404);
    expect(e.response!.data.error.errors[0].reason).toBe('notFound');
    // After a full sync (profile), the new id works.
    const h1 = (await t.gm.users.getProfile({ userId: 'me' })).data.historyId!;
    expect((await t.gm.users.history.list({ userId: 'me', startHistoryId: h1 })).status).toBe(200);

    // A quiet mailbox keeps its id valid (nothing to lose)...
    t.clock.advance(8 * DAY);
    expect((await t.gm.users.history.list({ userId: 'me', startHistoryId: h1 })).status).toBe(200);
    // ...but once a change older than the horizon is gone, ids before it are out of date.
    t.emulator.gmail.addMessage({ from: 'a@example.com', to: ['me@example.com'], subject: 'x' });
    const h2 = t.emulator.gmail.historyId;
    t.clock.advance(6 * DAY);
    expect((await t.gm.users.history.list({ userId: 'me', startHistoryId: h1 })).status).toBe(200);
    t.clock.advance(2 * DAY);
    expect((await gaxiosError(t.gm.users.history.list({ userId: 'me', startHistoryId: h1 }))).status).toBe(404);
    expect((await t.gm.users.history.list({ userId: 'me', startHistoryId: h2 })).status).toBe(200);
    // Ids below the mailbox's first one, or in the future, are invalid too.
    expect((await gaxiosError(t.gm.users.history.list({ userId: 'me', startHistoryId: '1' }))).status).toBe(404);
    expect((await gaxiosError(t.gm.users.history.list({ userId: 'me', startHistoryId: String(Number(h2) + 1000) }))).status).toBe(404);
  });

  it('other users are refused; userId may be the mailbox address', async () => {
    t = await start();
    expect((await t.gm.users.getProfile({ userId: 'me@example.com' })).status).toBe(200);
    expect((await gaxiosError(t.gm.users.getProfile({ userId: 'someone@else.com' }))).status).toBe(403);
  });
});
