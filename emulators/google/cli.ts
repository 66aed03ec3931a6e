/**
 * `jarvis-sync emulate google --port N --seed FILE`: a long-running Google emulator for demos and
 * manual testing (system clock; no rate limit unless asked for).
 */
import { systemClock } from '../../src/lib/clock.ts';
import { sampleGoogleWorkspace } from '../samples/googleWorkspace.ts';
import { createGoogleEmulator, EMULATOR_ACCESS_TOKEN, loadGoogleSeedFile } from './index.ts';
import type { GoogleEmulator, RateLimit } from './types.ts';

export interface GoogleEmulatorCliOptions {
  port?: number;
  host?: string;
  /** A GoogleSeed JSON file; default: the sample workspace (emulators/samples/googleWorkspace.ts), dated around today. */
  seedPath?: string;
  /** Default null (off). */
  rateLimit?: RateLimit | null;
  /** Where to print; default console.log. */
  log?: (line: string) => void;
}

export const SAMPLE_CLIENT_ID = 'emulator-client.apps.googleusercontent.com';
export const SAMPLE_CLIENT_SECRET = 'emulator-secret';
export const SAMPLE_REFRESH_TOKEN = 'emulator-refresh-token';

export async function runGoogleEmulatorCli(opts: GoogleEmulatorCliOptions = {}): Promise<GoogleEmulator> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const emulator = createGoogleEmulator({
    clock: systemClock,
    rateLimit: opts.rateLimit ?? null,
    // Dated around today: jarvis-sync's calendar window and Gmail query are relative to now.
    seed: opts.seedPath ? loadGoogleSeedFile(opts.seedPath) : sampleGoogleWorkspace({ anchor: systemClock.now() }).seed,
  });
  const url = await emulator.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  log(`Google emulator (Calendar v3, Gmail v1, People v1, OAuth) listening on ${url}`);
  log(`  point jarvis-sync at it (any refresh token is accepted):`);
  log(`    GOOGLE_API_ROOT=${url}/`);
  log(`    GOOGLE_CLIENT_ID=${SAMPLE_CLIENT_ID}`);
  log(`    GOOGLE_CLIENT_SECRET=${SAMPLE_CLIENT_SECRET}`);
  log(`    GOOGLE_REFRESH_TOKEN=${SAMPLE_REFRESH_TOKEN}`);
  log(`  clients: calendar({ version: 'v3', auth, rootUrl: '${url}/' }); OAuth2Client endpoints.oauth2TokenUrl = '${url}/token'`);
  log(`  or skip OAuth: Authorization: Bearer ${EMULATOR_ACCESS_TOKEN}`);
  log(`  mailbox / primary calendar: ${emulator.userEmail}`);
  return emulator;
}
