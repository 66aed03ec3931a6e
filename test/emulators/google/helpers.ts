/**
 * Shared setup for the Google emulator tests: an emulator on a FakeClock and the REAL official
 * clients (calendar v3, gmail v1, people v1) behind an OAuth2Client that refreshes against the
 * emulator's /token. Client retries are off so tests see single responses.
 */
import { calendar, type calendar_v3 } from '@googleapis/calendar';
import { gmail, type gmail_v1 } from '@googleapis/gmail';
import { people, type people_v1 } from '@googleapis/people';
import { OAuth2Client } from 'google-auth-library';
import { createGoogleEmulator, type GoogleEmulator, type GoogleEmulatorOptions } from '../../../emulators/google/index.ts';
import { FakeClock } from '../../../src/lib/clock.ts';

export const CLIENT_ID = 'test-client.apps.googleusercontent.com';
export const CLIENT_SECRET = 'test-secret';
export const REFRESH_TOKEN = '1//test-refresh-token';

export interface Started {
  emulator: GoogleEmulator;
  clock: FakeClock;
  url: string;
  auth: OAuth2Client;
  cal: calendar_v3.Calendar;
  gm: gmail_v1.Gmail;
  pp: people_v1.People;
}

export async function start(opts: GoogleEmulatorOptions = {}): Promise<Started> {
  const clock = (opts.clock as FakeClock | undefined) ?? new FakeClock('2026-01-05T09:00:00.000Z');
  const emulator = createGoogleEmulator({ ...opts, clock });
  const url = await emulator.listen();
  const auth = new OAuth2Client({ clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, endpoints: { oauth2TokenUrl: `${url}/token` } });
  auth.setCredentials({ refresh_token: REFRESH_TOKEN });
  const rootUrl = `${url}/`;
  return {
    emulator,
    clock,
    url,
    auth,
    cal: calendar({ version: 'v3', auth, rootUrl, retry: false }),
    gm: gmail({ version: 'v1', auth, rootUrl, retry: false }),
    pp: people({ version: 'v1', auth, rootUrl, retry: false }),
  };
}

/** What the tests read from a GaxiosError (gaxios is not a direct dependency, so no instanceof). */
export interface HttpError {
  name: string;
  message: string;
  status?: number;
  code?: string;
  response?: { status: number; data: any; headers: any };
}

/** The GaxiosError a call fails with (fails the test if it succeeds or throws something else). */
export async function gaxiosError(p: Promise<unknown>): Promise<HttpError> {
  try {
    await p;
  } catch (e) {
    if (typeof e === 'object' && e !== null && (e as any)[Symbol.for('gaxios-gaxios-error')] !== undefined) return e as HttpError;
    throw new Error(`expected a GaxiosError, got ${(e as Error)?.stack ?? e}`);
  }
  throw new Error('expected the call to fail');
}

/** Raw HTTP for what the clients cannot express (missing auth, odd paths). */
export async function raw(url: string, method: string, path: string, opts: { token?: string | null; body?: string; headers?: Record<string, string> } = {}) {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? 'emulator-access-token'}`;
  const res = await fetch(`${url}${path}`, { method, headers, body: opts.body });
  const text = await res.text();
  let json: any;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { status: res.status, headers: res.headers, text, json };
}

/** Follows nextPageToken to the end; returns every page. */
export async function allPages<T extends { nextPageToken?: string | null }>(fetchPage: (pageToken?: string) => Promise<T>): Promise<T[]> {
  const pages: T[] = [];
  let token: string | undefined;
  for (let i = 0; i < 10_000; i++) {
    const page = await fetchPage(token);
    pages.push(page);
    if (!page.nextPageToken) return pages;
    token = page.nextPageToken;
  }
  throw new Error('too many pages');
}

export const DAY = 86_400_000;
