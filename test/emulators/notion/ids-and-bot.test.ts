/**
 * Malformed ids are Notion's 400 validation_error ("path failed validation: path.page_id should be a
 * valid uuid, …"), not a 404; well-formed unknown ids stay 404. The bot user carries its workspace
 * (id, name, limits) as the SDK's BotInfoResponse describes.
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { GetSelfResponse } from '@notionhq/client';
import { BOOKS_DS, raw, smallSeed, start, type Started } from './helpers.ts';

let t: Started;
afterEach(async () => t?.emulator.close());

describe('malformed ids', () => {
  it.each([
    ['GET', '/v1/pages/abc', 'path.page_id', 'abc'],
    ['PATCH', '/v1/pages/1234', 'path.page_id', '1234'],
    ['GET', '/v1/pages/xyz/properties/title', 'path.page_id', 'xyz'],
    ['GET', '/v1/data_sources/not-a-uuid', 'path.data_source_id', 'not-a-uuid'],
    ['POST', '/v1/data_sources/66666666-6666-4666-8666-66666666666/query', 'path.data_source_id', '66666666-6666-4666-8666-66666666666'],
    ['GET', '/v1/databases/zz', 'path.database_id', 'zz'],
    ['GET', '/v1/blocks/%22quoted%22/children', 'path.block_id', '"quoted"'],
    ['GET', '/v1/users/nobody', 'path.user_id', 'nobody'],
  ])('%s %s answers 400 validation_error naming %s', async (method, path, param, value) => {
    t = await start({ seed: smallSeed() });
    const r = await raw(t.url, method, path, { body: method === 'GET' ? undefined : '{}' });
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({
      object: 'error',
      status: 400,
      code: 'validation_error',
      message: `path failed validation: ${param} should be a valid uuid, instead was \`${JSON.stringify(value)}\`.`,
    });
  });

  it('a malformed parent id in a body names the body path; a compact (dashless) id is fine', async () => {
    t = await start({ seed: smallSeed() });
    const r = await raw(t.url, 'POST', '/v1/pages', { body: JSON.stringify({ parent: { data_source_id: 'books' }, properties: {} }) });
    expect(r.status).toBe(400);
    expect(r.json.message).toBe('body failed validation: body.parent.data_source_id should be a valid uuid, instead was `"books"`.');
    const ok = await raw(t.url, 'GET', `/v1/data_sources/${BOOKS_DS.replace(/-/g, '').toUpperCase()}`);
    expect(ok.status).toBe(200);
    const missing = await raw(t.url, 'GET', '/v1/pages/12345678-1234-4234-8234-123456789abc');
    expect(missing.status).toBe(404);
    expect(missing.json.code).toBe('object_not_found');
  });

  it('the SDK surfaces it as an APIResponseError with code validation_error', async () => {
    t = await start({ seed: smallSeed() });
    await expect(t.client.pages.retrieve({ page_id: 'abc' })).rejects.toMatchObject({ code: 'validation_error', status: 400 });
  });
});

describe('the bot user', () => {
  it('carries workspace_id, workspace_name and workspace_limits', async () => {
    t = await start({ seed: smallSeed() });
    const me: GetSelfResponse = await t.client.users.me({});
    expect(me).toMatchObject({ object: 'user', id: t.emulator.botId, type: 'bot' });
    const bot = (me as Extract<GetSelfResponse, { type: 'bot' }>).bot;
    expect(bot).toEqual({
      owner: { type: 'workspace', workspace: true },
      workspace_id: expect.stringMatching(/^[0-9a-f-]{36}$/),
      workspace_name: 'Emulated workspace',
      workspace_limits: { max_file_upload_size_in_bytes: 5 * 1024 * 1024 },
    });
    // The same workspace as in the users list.
    const list: any = await t.client.users.list({});
    expect(list.results.find((u: any) => u.type === 'bot').bot.workspace_id).toBe((bot as any).workspace_id);
  });
});
