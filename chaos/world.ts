/**
 * The campaign's world: a Notion emulator with the two-way schemas (contacts, meetings with
 * Attendees → contacts, journals), a Google emulator with an empty address book, and the
 * configuration every sync of the campaign uses.
 */
import { createGoogleEmulator, type GoogleEmulator } from '../emulators/google/index.ts';
import { createNotionEmulator, type NotionEmulator } from '../emulators/notion/index.ts';
import { sampleTwoWayWorkspace } from '../emulators/samples/notionWorkspace.ts';
import type { Clock } from '../src/lib/clock.ts';
import type { DatasetName } from './fields.ts';
import type { Rng } from './rng.ts';
import type { World } from './snapshot.ts';

export const NOTION_TOKEN = 'secret_chaos_campaign';
export const GOOGLE_CREDENTIALS = {
  GOOGLE_CLIENT_ID: 'jarvis-chaos.apps.googleusercontent.com',
  GOOGLE_CLIENT_SECRET: 'chaos-secret',
  GOOGLE_REFRESH_TOKEN: '1//chaos-refresh',
};

/**
 * The config file of every campaign sync. Calendar and Gmail are off (the campaign is about the
 * records people edit). tieWinner is `postgres`: the campaign compresses a day of 15-minute syncs
 * into seconds, so a Postgres edit routinely lands in the same Notion minute as the engine's own
 * earlier write to that page — an interval production's spacing never produces; with real spacing
 * the later Postgres edit is simply newer, which is what `postgres` decides. The deletion valve's
 * minimum is raised so that the deletes the model makes while syncs keep failing never add up to
 * a valve trip; the valve itself is exercised by the empty/truncated data source scenario.
 */
export const CHAOS_CONFIG = {
  notion: { requestsPerSecond: 100, burst: 100, maxRetries: 5 },
  sync: { tieWinner: 'postgres' as const, deletionValveMinimum: 8 },
  datasets: { calendar: { enabled: false }, gmail: { enabled: false } },
};

export interface CampaignWorld extends World {
  notion: NotionEmulator;
  google: GoogleEmulator | null;
  /** Environment for loadConfig (plus the URLs the syncs must use). */
  env(urls: { notion: string; google?: string }): Record<string, string>;
}

export function createWorld(opts: { clock?: Clock; rng: Rng; google: boolean }): CampaignWorld {
  const { seed, ids } = sampleTwoWayWorkspace({ contacts: 0, meetings: 0, tasks: 0, reflections: 0, journals: 0 });
  const notion = createNotionEmulator({ clock: opts.clock, tokens: [NOTION_TOKEN], seed, random: opts.rng.fork('notion-faults').next });
  const google = opts.google
    ? createGoogleEmulator({
        clock: opts.clock,
        seed: { people: [] },
        refreshTokens: [GOOGLE_CREDENTIALS.GOOGLE_REFRESH_TOKEN],
        random: opts.rng.fork('google-faults').next,
        // In process (a FakeClock, rounds 10 minutes apart) People keeps its realistic propagation delay;
        // the process harness runs on the real clock and cannot wait minutes per round, so it sets 0.
        ...(opts.clock ? {} : { propagationDelayMs: 0 }),
      })
    : null;
  const dataSources: Record<DatasetName, string> = { contacts: ids.contactsDataSource, meetings: ids.meetingsDataSource, journals: ids.journalsDataSource };
  return {
    notion,
    google,
    dataSources,
    env: (urls) => ({
      NOTION_TOKEN,
      NOTION_BASE_URL: urls.notion,
      NOTION_CONTACTS_DATABASE_ID: ids.contactsDatabase,
      NOTION_MEETINGS_DATABASE_ID: ids.meetingsDatabase,
      NOTION_JOURNALS_DATABASE_ID: ids.journalsDatabase,
      NOTION_REQUESTS_PER_SECOND: '100',
      ...(google && urls.google ? { ...GOOGLE_CREDENTIALS, GOOGLE_API_ROOT: urls.google, GOOGLE_REQUESTS_PER_SECOND: '100', CONTACTS_CREATE_IN_GOOGLE: 'true' } : {}),
    }),
  };
}

/**
 * The fault mix of one faulty run at `level`: 429s, 5xx and dropped connections — or, in half the
 * runs, "committed, then failed": a faulted write is applied and then answered with a 5xx or a
 * dropped connection (a lost response). A 429 never commits (both APIs refuse rate-limited
 * requests before doing anything, which is why clients may repeat them), so those runs leave it out.
 */
export function faultMix(rng: Rng, level: number) {
  const commitThenFail = rng.chance(0.5);
  return {
    commitThenFail,
    notion: { rate: level, statuses: commitThenFail ? [500, 502, 503, 504] : [429, 500, 502, 503, 504], drop: true, commitThenFail },
    google: { rate: level, statuses: commitThenFail ? [500, 502, 503] : [429, 500, 502, 503], drop: true, commitThenFail },
  };
}

export const CREATE_FAILPOINTS = ['create:marked', 'create:notion-accepted', 'create:recorded'] as const;
