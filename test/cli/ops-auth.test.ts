/**
 * `jarvis-sync auth google`: the OAuth loopback flow with PKCE against a stub of Google's token
 * endpoint (GOOGLE_API_ROOT). The test plays the browser: it reads the printed consent URL and
 * follows Google's redirect back to the loopback server with ?code=&state=.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authGoogleCommand, GOOGLE_SCOPES } from '../../src/cli/commands/authGoogle.ts';
import { ConfigError } from '../../src/config/index.ts';

const CLIENT_ID = 'jarvis-test.apps.googleusercontent.com';
const CLIENT_SECRET = 'GOCSPX-test-secret';
const CODE = '4/0AQlEd8x-test-authorization-code';
const REFRESH = '1//0gTestRefreshToken-abcdefghijklmnopqrstuvwxyz';

describe('jarvis-sync auth google', () => {
  /** What the token endpoint received, and the scopes it grants. */
  const exchanges: Array<Record<string, string>> = [];
  let grantedScope = GOOGLE_SCOPES.join(' ');
  let server: Server;
  let apiRoot: string;
  /** code_challenge of each consent URL, by state: the token endpoint checks the verifier against it. */
  const challenges = new Map<string, string>();

  beforeAll(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (c) => (body += c));
      req.on('end', () => {
        const form = Object.fromEntries(new URLSearchParams(body));
        exchanges.push(form);
        const json = (status: number, data: unknown) => res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(data));
        if (req.url !== '/token' || form.grant_type !== 'authorization_code') return json(400, { error: 'unsupported_grant_type' });
        if (form.client_id !== CLIENT_ID || form.client_secret !== CLIENT_SECRET) return json(401, { error: 'invalid_client', error_description: 'Unauthorized' });
        const verified = [...challenges.values()].includes(createHash('sha256').update(form.code_verifier ?? '').digest('base64url'));
        if (form.code !== CODE || !verified) return json(400, { error: 'invalid_grant', error_description: 'Bad Request' });
        json(200, { access_token: 'ya29.test-access', refresh_token: REFRESH, expires_in: 3599, scope: grantedScope, token_type: 'Bearer' });
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    apiRoot = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));
  beforeEach(() => {
    exchanges.length = 0;
    grantedScope = GOOGLE_SCOPES.join(' ');
  });

  const env = () => ({ GOOGLE_CLIENT_ID: CLIENT_ID, GOOGLE_CLIENT_SECRET: CLIENT_SECRET, GOOGLE_API_ROOT: apiRoot });

  /** A browser: the user consents, Google redirects to redirect_uri with the code (or an error). */
  function browser(answer: (consent: URL) => Record<string, string>[]) {
    const pages: Array<{ status: number; body: string }> = [];
    let done!: Promise<void>;
    const open = (url: string) => {
      const consent = new URL(url);
      challenges.set(consent.searchParams.get('state')!, consent.searchParams.get('code_challenge')!);
      done = (async () => {
        for (const params of answer(consent)) {
          const res = await fetch(`${consent.searchParams.get('redirect_uri')}/?${new URLSearchParams(params)}`);
          pages.push({ status: res.status, body: await res.text() });
        }
      })();
    };
    return { open, pages, done: () => done };
  }

  async function run(b: ReturnType<typeof browser>, extraEnv: Record<string, string> = {}, flags: Record<string, string | boolean> = {}) {
    const out: string[] = [];
    const err: string[] = [];
    const result = authGoogleCommand({ command: 'auth', positionals: ['google'], flags }, { env: { ...env(), ...extraEnv }, out: (s) => out.push(s), err: (s) => err.push(s), openBrowser: b.open, timeoutMs: 10_000 });
    return { result, out, err };
  }

  it('prints the consent URL, receives the code on the loopback port, exchanges it with PKCE and prints GOOGLE_REFRESH_TOKEN', async () => {
    let consent!: URL;
    const b = browser((c) => {
      consent = c;
      return [{ code: CODE, state: c.searchParams.get('state')!, scope: GOOGLE_SCOPES.join(' ') }];
    });
    const r = await run(b);
    expect(await r.result).toBe(0);
    await b.done();

    expect(`${consent.origin}${consent.pathname}`).toBe(`${apiRoot}/o/oauth2/v2/auth`);
    const p = consent.searchParams;
    expect(p.get('client_id')).toBe(CLIENT_ID);
    expect(p.get('response_type')).toBe('code');
    expect(p.get('access_type')).toBe('offline');
    expect(p.get('prompt')).toBe('consent');
    expect(p.get('scope')!.split(' ')).toEqual([
      'https://www.googleapis.com/auth/calendar.readonly',
      'https://www.googleapis.com/auth/gmail.readonly',
      'https://www.googleapis.com/auth/contacts',
    ]);
    expect(p.get('code_challenge_method')).toBe('S256');
    expect(p.get('code_challenge')).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(p.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(p.get('state')).toMatch(/^[0-9a-f]{32}$/);
    expect(r.err.join('\n')).toContain(consent.toString());

    // The exchange: the code, the verifier matching the challenge, the same redirect_uri.
    expect(exchanges).toHaveLength(1);
    expect(exchanges[0]).toMatchObject({ grant_type: 'authorization_code', code: CODE, redirect_uri: p.get('redirect_uri'), client_id: CLIENT_ID });
    expect(createHash('sha256').update(exchanges[0]!.code_verifier!).digest('base64url')).toBe(p.get('code_challenge'));

    expect(r.out).toEqual([`GOOGLE_REFRESH_TOKEN=${REFRESH}`]);
    expect(r.err.join('\n')).not.toContain(REFRESH);
    expect(b.pages).toEqual([{ status: 200, body: expect.stringContaining('jarvis-sync is authorized') }]);
  });

  it('ignores a redirect with another state (a stale tab or a forged request) and keeps waiting for its own', async () => {
    const b = browser((c) => [
      { code: 'forged', state: 'not-ours' },
      { code: CODE, state: c.searchParams.get('state')! },
    ]);
    const r = await run(b);
    expect(await r.result).toBe(0);
    await b.done();
    expect(b.pages.map((x) => x.status)).toEqual([400, 200]);
    expect(exchanges.map((e) => e.code)).toEqual([CODE]);
  });

  it('a refused consent ends with a message, and the browser is told', async () => {
    const b = browser((c) => [{ error: 'access_denied', state: c.searchParams.get('state')! }]);
    const r = await run(b);
    await expect(r.result).rejects.toThrow(/Google did not authorize jarvis-sync \(access_denied\): run `jarvis-sync auth google` again/);
    await b.done();
    expect(b.pages[0]!.status).toBe(400);
    expect(r.out).toEqual([]);
  });

  it('a client the token endpoint does not know: says which settings to check, without the secret', async () => {
    const b = browser((c) => [{ code: CODE, state: c.searchParams.get('state')! }]);
    const r = await run(b, { GOOGLE_CLIENT_SECRET: 'GOCSPX-wrong-secret' });
    const e = await r.result.catch((x: Error) => x);
    expect((e as Error).message).toMatch(/^Google refused the authorization code \(invalid_client: Unauthorized\): check GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET/);
    expect((e as Error).message).not.toContain('GOCSPX-wrong-secret');
  });

  it('warns when the user unticked a permission', async () => {
    grantedScope = 'https://www.googleapis.com/auth/calendar.readonly https://www.googleapis.com/auth/contacts';
    const b = browser((c) => [{ code: CODE, state: c.searchParams.get('state')! }]);
    const r = await run(b);
    expect(await r.result).toBe(0);
    expect(r.err.join('\n')).toContain('Warning: access was not granted for gmail.readonly');
  });

  it('needs the OAuth client: a missing GOOGLE_CLIENT_ID is a configuration error that says how to get one', async () => {
    await expect(
      authGoogleCommand({ command: 'auth', positionals: ['google'], flags: {} }, { env: { GOOGLE_CLIENT_SECRET: 'x' }, out: () => undefined, err: () => undefined }),
    ).rejects.toThrow(ConfigError);
    await expect(
      authGoogleCommand({ command: 'auth', positionals: ['google'], flags: {} }, { env: {}, out: () => undefined, err: () => undefined }),
    ).rejects.toThrow(/GOOGLE_CLIENT_ID is not set: create an OAuth client of type "Desktop app"/);
  });

  it('end to end through the executable: only the GOOGLE_REFRESH_TOKEN line on stdout (so `>> .env` works), exit 0', async () => {
    const child = spawn(join(import.meta.dirname, '../../bin/jarvis-sync'), ['auth', 'google', '--no-browser'], {
      env: { PATH: process.env.PATH!, HOME: process.env.HOME ?? '/tmp', ...env() },
      cwd: mkdtempSync(join(tmpdir(), 'jarvis-auth-')),
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    const consent = await new Promise<URL>((resolve, reject) => {
      child.stderr.on('data', (c) => {
        stderr += c;
        const m = /(http:\/\/127\.0\.0\.1:\d+\/o\/oauth2\/v2\/auth\?\S+)/.exec(stderr);
        if (m) resolve(new URL(m[1]!));
      });
      child.on('exit', () => reject(new Error(`exited early: ${stderr}`)));
    });
    challenges.set(consent.searchParams.get('state')!, consent.searchParams.get('code_challenge')!);
    const page = await fetch(`${consent.searchParams.get('redirect_uri')}/?code=${encodeURIComponent(CODE)}&state=${consent.searchParams.get('state')}`);
    expect(page.status).toBe(200);
    const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
    expect(code).toBe(0);
    expect(stdout).toBe(`GOOGLE_REFRESH_TOKEN=${REFRESH}\n`);
    expect(stderr).toContain('Add this line to .env');
  });
});
