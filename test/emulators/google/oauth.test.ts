/** OAuth: google-auth-library refreshes against POST /token; the APIs check the Bearer token. */
import { calendar } from '@googleapis/calendar';
import { gmail } from '@googleapis/gmail';
import { OAuth2Client } from 'google-auth-library';
import { afterEach, describe, expect, it } from 'vitest';
import { GMAIL_METADATA_SCOPE } from '../../../emulators/google/index.ts';
import { CLIENT_ID, CLIENT_SECRET, gaxiosError, raw, REFRESH_TOKEN, start, type Started } from './helpers.ts';

let t: Started;
afterEach(async () => {
  await t.emulator.close();
});

describe('OAuth token endpoint', () => {
  it('OAuth2Client refreshes its access token against /token and the APIs accept it', async () => {
    t = await start();
    const refreshed: any[] = [];
    t.auth.on('tokens', (tokens) => refreshed.push(tokens));
    const { token } = await t.auth.getAccessToken();
    expect(token).toMatch(/^ya29\./);
    expect(refreshed).toHaveLength(1);
    expect(refreshed[0]).toMatchObject({ access_token: token, token_type: 'Bearer' });
    expect(refreshed[0].scope).toContain('https://www.googleapis.com/auth/contacts');
    expect(refreshed[0].expiry_date).toBeGreaterThan(Date.now() + 3_500_000);

    const res = await t.cal.events.list({ calendarId: 'primary' });
    expect(res.status).toBe(200);
    expect(res.data.kind).toBe('calendar#events');
    expect(t.emulator.requestCounts['POST /token']).toBe(1);
  });

  it('the token response has the documented shape', async () => {
    t = await start();
    const res = await raw(t.url, 'POST', '/token', {
      token: null,
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'refresh_token', refresh_token: 'x', client_id: 'c', client_secret: 's' }).toString(),
    });
    expect(res.status).toBe(200);
    expect(Object.keys(res.json).sort()).toEqual(['access_token', 'expires_in', 'scope', 'token_type']);
    expect(res.json.expires_in).toBe(3599);
  });

  it('an unknown or revoked refresh token gets 400 invalid_grant', async () => {
    t = await start({ refreshTokens: [REFRESH_TOKEN] });
    const stranger = new OAuth2Client({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, endpoints: { oauth2TokenUrl: `${t.url}/token` } });
    stranger.setCredentials({ refresh_token: 'not-a-known-token' });
    const e = await gaxiosError(stranger.getAccessToken());
    expect(e.status).toBe(400);
    expect(e.response!.data).toEqual({ error: 'invalid_grant', error_description: 'Token has been expired or revoked.' });

    expect((await t.auth.getAccessToken()).token).toBeTruthy(); // the configured one works
    t.emulator.revokeRefreshToken(REFRESH_TOKEN);
    const fresh = new OAuth2Client({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, endpoints: { oauth2TokenUrl: `${t.url}/token` } });
    fresh.setCredentials({ refresh_token: REFRESH_TOKEN });
    expect((await gaxiosError(fresh.getAccessToken())).response!.data.error).toBe('invalid_grant');
  });

  it('a configured clientId must match (401 invalid_client)', async () => {
    t = await start({ clientId: 'the-real-client' });
    const e = await gaxiosError(t.auth.getAccessToken());
    expect(e.status).toBe(401);
    expect(e.response!.data.error).toBe('invalid_client');
  });

  it('requests without a valid Bearer token get 401 in each API style', async () => {
    t = await start();
    const cal = await raw(t.url, 'GET', '/calendar/v3/calendars/primary/events', { token: 'nope' });
    expect(cal.status).toBe(401);
    expect(cal.json.error.code).toBe(401);
    expect(cal.json.error.errors[0]).toMatchObject({ domain: 'global', reason: 'authError', message: 'Invalid Credentials', location: 'Authorization' });
    const mail = await raw(t.url, 'GET', '/gmail/v1/users/me/profile', { token: null });
    expect(mail.status).toBe(401);
    expect(mail.json.error.errors[0].reason).toBe('authError');
    const ppl = await raw(t.url, 'GET', '/v1/people/me/connections?personFields=names', { token: 'nope' });
    expect(ppl.status).toBe(401);
    expect(ppl.json.error.status).toBe('UNAUTHENTICATED');
    expect(ppl.json.error.errors).toBeUndefined();
    // The fixed test token always works.
    expect((await raw(t.url, 'GET', '/gmail/v1/users/me/profile')).status).toBe(200);
  });

  it('revoked access tokens get 401; a client without expiry info refreshes and retries by itself', async () => {
    t = await start();
    await t.cal.events.list({ calendarId: 'primary' });
    t.emulator.revokeAccessTokens();
    // OAuth2Client knows an expiry_date, so it does not refresh on a 401: the caller sees it.
    const e = await gaxiosError(t.cal.events.list({ calendarId: 'primary' }));
    expect(e.status).toBe(401);
    expect(e.response!.data.error.errors[0].reason).toBe('authError');

    // With only access + refresh token stored (no expiry), the library refreshes on 401 and retries once.
    const auth = new OAuth2Client({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, endpoints: { oauth2TokenUrl: `${t.url}/token` } });
    auth.setCredentials({ access_token: 'ya29.stale', refresh_token: REFRESH_TOKEN });
    const cal = calendar({ version: 'v3', auth, rootUrl: `${t.url}/`, retry: false });
    expect((await cal.events.list({ calendarId: 'primary' })).status).toBe(200);
  });

  it('expired access tokens are rejected on the emulator clock when enforceTokenExpiry is on', async () => {
    t = await start({ enforceTokenExpiry: true });
    const { token } = await t.auth.getAccessToken();
    expect((await raw(t.url, 'GET', '/gmail/v1/users/me/profile', { token: token! })).status).toBe(200);
    t.clock.advance(3600_000);
    expect((await raw(t.url, 'GET', '/gmail/v1/users/me/profile', { token: token! })).status).toBe(401);
  });

  it('a gmail.metadata token cannot use q or format=full', async () => {
    t = await start({ scopes: [GMAIL_METADATA_SCOPE] });
    const gm = gmail({ version: 'v1', auth: t.auth, rootUrl: `${t.url}/`, retry: false });
    t.emulator.gmail.addMessage({ from: 'a@example.com', to: ['me@example.com'], subject: 'Hi' });
    const e = await gaxiosError(gm.users.messages.list({ userId: 'me', q: 'newer_than:1d' }));
    expect(e.status).toBe(403);
    expect(e.message).toBe("Metadata scope does not support 'q' parameter");
    const list = await gm.users.messages.list({ userId: 'me' });
    const id = list.data.messages![0]!.id!;
    expect((await gaxiosError(gm.users.messages.get({ userId: 'me', id }))).message).toBe("Metadata scope doesn't allow format FULL");
    expect((await gm.users.messages.get({ userId: 'me', id, format: 'metadata' })).status).toBe(200);
  });
});
