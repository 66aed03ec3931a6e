/**
 * `jarvis-sync auth google [--port N] [--no-browser]`: the OAuth "loopback" flow for installed
 * apps, with PKCE. It prints the consent URL, waits on http://127.0.0.1:<port> for Google to
 * redirect the browser back with ?code=, exchanges the code (with the PKCE verifier) for tokens
 * and prints `GOOGLE_REFRESH_TOKEN=…` — the only line on stdout, so
 * `jarvis-sync auth google >> .env` works; everything else goes to stderr.
 *
 * Needs GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET of an OAuth client of type "Desktop app".
 * GOOGLE_API_ROOT redirects the token endpoint (and the consent page) to an emulator.
 *
 * Scopes: calendar.readonly (events), gmail.readonly and contacts (read and write: the contacts
 * dataset writes Notion's changes back to Google). gmail.readonly rather than gmail.metadata:
 * metadata cannot search (`q`), and the Gmail dataset bounds its first sync with GMAIL_QUERY
 * (default newer_than:90d); jarvis-sync still only ever requests format=metadata.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { CodeChallengeMethod, OAuth2Client } from 'google-auth-library';
import { ConfigError } from '../../config/index.ts';
import { numberFlag, UsageError, type ParsedCommand } from '../args.ts';

export const GOOGLE_SCOPES = [
  'https://www.googleapis.com/auth/calendar.readonly',
  'https://www.googleapis.com/auth/gmail.readonly',
  'https://www.googleapis.com/auth/contacts',
];

export interface AuthGoogleOptions {
  env?: Record<string, string | undefined>;
  /** stdout: receives only the GOOGLE_REFRESH_TOKEN line. */
  out: (s: string) => void;
  /** stderr: instructions and progress. */
  err: (s: string) => void;
  /** Opens the consent URL; default: the platform's opener when a display is available. */
  openBrowser?: (url: string) => void;
  /** How long to wait for the browser; default 5 minutes. */
  timeoutMs?: number;
}

export async function authGoogleCommand(cmd: ParsedCommand, opts: AuthGoogleOptions): Promise<number> {
  const [provider, ...rest] = cmd.positionals;
  if (provider !== 'google' || rest.length) throw new UsageError('auth supports one provider: `jarvis-sync auth google [--port N] [--no-browser]`');
  const env = opts.env ?? process.env;
  const clientId = env.GOOGLE_CLIENT_ID?.trim();
  const clientSecret = env.GOOGLE_CLIENT_SECRET?.trim();
  if (!clientId || !clientSecret) {
    throw new ConfigError(
      `${!clientId ? 'GOOGLE_CLIENT_ID' : 'GOOGLE_CLIENT_SECRET'} is not set: create an OAuth client of type "Desktop app" at https://console.cloud.google.com/apis/credentials (enable the Calendar, Gmail and People APIs in that project), and put its id and secret in .env as GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET`,
    );
  }
  const apiRoot = env.GOOGLE_API_ROOT?.trim().replace(/\/+$/, '') || undefined;
  if (apiRoot && !/^https?:\/\/[^/]+/.test(apiRoot)) throw new ConfigError(`GOOGLE_API_ROOT must be an http(s) URL (got "${apiRoot}")`);
  const port = numberFlag(cmd.flags, 'port', { min: 0, max: 65535, integer: true }) ?? 0;
  const timeoutMs = opts.timeoutMs ?? 5 * 60_000;

  // The loopback server first: its port is part of the redirect URI.
  let deliver: ((r: { code?: string; error?: string; res: ServerResponse }) => void) | undefined;
  const callback = new Promise<{ code?: string; error?: string; res: ServerResponse }>((resolve) => (deliver = resolve));
  let state = '';
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const code = url.searchParams.get('code') ?? undefined;
    const error = url.searchParams.get('error') ?? undefined;
    if (req.method !== 'GET' || url.pathname !== '/' || (!code && !error)) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('Not found');
      return;
    }
    if (url.searchParams.get('state') !== state) {
      // Not the answer to our request (a stale tab, or a forged redirect): keep waiting.
      page(res, 400, 'This authorization does not belong to the running `jarvis-sync auth google`. Start again from the URL it printed.');
      return;
    }
    deliver?.({ code, error, res });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (e: NodeJS.ErrnoException) =>
      reject(e.code === 'EADDRINUSE' ? new UsageError(`port ${port} is in use: choose another with --port, or leave it out for a free one`) : e),
    );
    server.listen(port, '127.0.0.1', resolve);
  });
  const redirectUri = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  try {
    const client = new OAuth2Client({
      clientId,
      clientSecret,
      redirectUri,
      endpoints: apiRoot ? { oauth2TokenUrl: `${apiRoot}/token`, oauth2AuthBaseUrl: `${apiRoot}/o/oauth2/v2/auth` } : undefined,
      transporterOptions: { retry: false, timeout: 30_000 },
    });
    const { codeVerifier, codeChallenge } = await client.generateCodeVerifierAsync();
    state = randomBytes(16).toString('hex');
    const authUrl = client.generateAuthUrl({
      access_type: 'offline',
      prompt: 'consent',
      scope: GOOGLE_SCOPES,
      code_challenge_method: CodeChallengeMethod.S256,
      code_challenge: codeChallenge,
      redirect_uri: redirectUri,
      state,
    });
    opts.err(`Open this URL in a browser and allow access (calendar read-only, Gmail read-only, contacts):\n\n  ${authUrl}\n`);
    if (!cmd.flags['no-browser']) (opts.openBrowser ?? openBrowser)(authUrl);
    opts.err(`Waiting for Google to send the browser back to ${redirectUri} … (Ctrl-C to cancel)`);

    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`no answer from the browser within ${Math.round(timeoutMs / 1000)} s: run \`jarvis-sync auth google\` again`)), timeoutMs);
    });
    const answer = await Promise.race([callback, timeout]).finally(() => clearTimeout(timer));
    if (answer.error || !answer.code) {
      page(answer.res, 400, `Google did not authorize jarvis-sync (${answer.error ?? 'no code'}). You can close this tab.`);
      throw new Error(`Google did not authorize jarvis-sync (${answer.error ?? 'no code'}): run \`jarvis-sync auth google\` again and allow access`);
    }

    let tokens;
    try {
      ({ tokens } = await client.getToken({ code: answer.code, codeVerifier, redirect_uri: redirectUri }));
    } catch (e) {
      page(answer.res, 502, 'jarvis-sync could not exchange the authorization with Google. See the terminal.');
      throw new Error(`Google refused the authorization code (${describeOAuthError(e)}): check GOOGLE_CLIENT_ID and GOOGLE_CLIENT_SECRET (an OAuth client of type "Desktop app"), then run \`jarvis-sync auth google\` again`);
    }
    if (!tokens.refresh_token) {
      page(answer.res, 502, 'Google sent no refresh token. See the terminal.');
      throw new Error('Google returned no refresh token: remove jarvis-sync\'s access at https://myaccount.google.com/permissions, then run `jarvis-sync auth google` again');
    }
    page(answer.res, 200, 'jarvis-sync is authorized. You can close this tab and return to the terminal.');

    const granted = new Set((tokens.scope ?? GOOGLE_SCOPES.join(' ')).split(/\s+/));
    const missing = GOOGLE_SCOPES.filter((s) => !granted.has(s));
    if (missing.length) {
      opts.err(`\nWarning: access was not granted for ${missing.map((s) => s.replace('https://www.googleapis.com/auth/', '')).join(', ')}; the datasets that need it will fail. Run again and tick every box to fix that.`);
    }
    opts.err('\nAdd this line to .env (or run `jarvis-sync auth google >> .env`); keep it secret — it grants access to your Google data:\n');
    opts.out(`GOOGLE_REFRESH_TOKEN=${tokens.refresh_token}`);
    return 0;
  } finally {
    server.closeAllConnections?.();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}

function page(res: ServerResponse, status: number, message: string): void {
  if (res.headersSent) return;
  const html = `<!doctype html><meta charset="utf-8"><title>jarvis-sync</title><body style="font:16px system-ui;margin:3em"><p>${message.replace(/[<>&]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;' })[c]!)}</p></body>`;
  res.writeHead(status, { 'content-type': 'text/html; charset=utf-8', connection: 'close' }).end(html);
}

/** The token endpoint's `error` (and description), never the request (it holds the secret and code). */
function describeOAuthError(e: unknown): string {
  const data = (e as { response?: { data?: { error?: string; error_description?: string } } }).response?.data;
  if (data?.error) return data.error_description ? `${data.error}: ${data.error_description}` : data.error;
  return (e as Error).message?.split('\n')[0] ?? String(e);
}

/** The platform's URL opener, only where a browser can appear (a display on Linux). */
function openBrowser(url: string): void {
  const platform = process.platform;
  const [command, args] =
    platform === 'darwin' ? ['open', [url]] : platform === 'win32' ? ['cmd', ['/c', 'start', '""', url.replace(/&/g, '^&')]] : process.env.DISPLAY || process.env.WAYLAND_DISPLAY ? ['xdg-open', [url]] : [null, []];
  if (!command) return;
  try {
    const child = spawn(command, args as string[], { stdio: 'ignore', detached: true });
    child.on('error', () => undefined);
    child.unref();
  } catch {
    // No opener: the URL is printed anyway.
  }
}
