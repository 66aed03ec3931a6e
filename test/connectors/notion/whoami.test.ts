/** whoami(): GET /v1/users/me — the cheapest proof a token works (jarvis-sync doctor uses it). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotionEmulator } from '../../../emulators/notion/index.ts';
import { createNotionConnector, NotionSyncError } from '../../../src/connectors/notion/index.ts';

describe('whoami', () => {
  const emulator = createNotionEmulator({ tokens: ['secret_whoami'], seed: { databases: [] } });
  let url: string;
  beforeAll(async () => {
    url = await emulator.listen(0, '127.0.0.1');
  });
  afterAll(() => emulator.close());

  it('names the integration and its workspace', async () => {
    const notion = createNotionConnector({ token: 'secret_whoami', baseUrl: url });
    const me = await notion.whoami();
    expect(me).toMatchObject({ type: 'bot', name: 'jarvis-sync (emulated integration)', workspaceName: 'Emulated workspace' });
    expect(me.id).toMatch(/^[0-9a-f-]{36}$/);
    expect(notion.stats.byEndpoint).toEqual({ 'GET /v1/users/me': 1 });
  });

  it('a wrong token is an auth error that says what to check, without the token', async () => {
    const notion = createNotionConnector({ token: 'secret_wrong_token_0000000000000', baseUrl: url, maxRetries: 0 });
    const e = await notion.whoami().catch((err: unknown) => err);
    expect(e).toBeInstanceOf(NotionSyncError);
    expect(e).toMatchObject({ kind: 'auth' });
    expect((e as Error).message).toMatch(/NOTION_TOKEN/);
    expect((e as Error).message).not.toContain('secret_wrong_token');
  });
});
