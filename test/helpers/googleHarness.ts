/**
 * Scenario builder for Google tests: the Google emulator (sample account) and the Notion emulator
 * (two-way sample workspace) on one FakeClock, both connectors pointed at them, and a store.
 */
import { createGoogleEmulator, type GoogleEmulatorOptions } from '../../emulators/google/index.ts';
import { createNotionEmulator } from '../../emulators/notion/index.ts';
import { sampleGoogleWorkspace } from '../../emulators/samples/googleWorkspace.ts';
import { sampleTwoWayWorkspace } from '../../emulators/samples/notionWorkspace.ts';
import { loadConfig, type Config } from '../../src/config/index.ts';
import { createGoogleConnector } from '../../src/connectors/google/index.ts';
import { createNotionConnector } from '../../src/connectors/notion/index.ts';
import type { RunContext } from '../../src/engine/context.ts';
import { FakeClock } from '../../src/lib/clock.ts';
import { silentLogger } from '../../src/lib/logger.ts';
import type { Store } from '../../src/store/types.ts';

const NOTION_TOKEN = 'secret_google_tests';
const CLIENT = { GOOGLE_CLIENT_ID: 'jarvis-test.apps.googleusercontent.com', GOOGLE_CLIENT_SECRET: 'test-secret', GOOGLE_REFRESH_TOKEN: '1//test-refresh' };

export interface GoogleHarness {
  clock: FakeClock;
  google: ReturnType<typeof createGoogleEmulator>;
  notion: ReturnType<typeof createNotionEmulator>;
  sample: ReturnType<typeof sampleGoogleWorkspace>;
  notionIds: ReturnType<typeof sampleTwoWayWorkspace>['ids'];
  config: Config;
  ctx: RunContext;
  ds(name: string): Config['datasets'][number];
  close(): Promise<void>;
}

export async function createGoogleHarness(
  store: Store,
  opts: {
    sample?: Parameters<typeof sampleGoogleWorkspace>[0];
    env?: Record<string, string>;
    withNotion?: boolean;
    /** Extra emulator options (the People propagation delay is the emulator's realistic default unless set here). */
    google?: Partial<GoogleEmulatorOptions>;
  } = {},
): Promise<GoogleHarness> {
  const clock = new FakeClock('2026-03-02T09:00:00.000Z');
  const sample = sampleGoogleWorkspace(opts.sample);
  const google = createGoogleEmulator({ ...opts.google, clock, seed: sample.seed, refreshTokens: [CLIENT.GOOGLE_REFRESH_TOKEN] });
  const googleUrl = await google.listen(0, '127.0.0.1');
  const { seed, ids: notionIds } = sampleTwoWayWorkspace({ meetings: 0, tasks: 0, reflections: 0, journals: 0 });
  const notion = createNotionEmulator({ clock, tokens: [NOTION_TOKEN], seed });
  const notionUrl = await notion.listen(0, '127.0.0.1');
  const config = loadConfig({
    env: {
      ...CLIENT,
      GOOGLE_API_ROOT: googleUrl,
      NOTION_TOKEN,
      NOTION_BASE_URL: notionUrl,
      ...(opts.withNotion === false ? {} : { NOTION_CONTACTS_DATABASE_ID: notionIds.contactsDatabase }),
      ...opts.env,
    },
    cwd: '/nonexistent-jarvis-test-cwd',
  });
  const ctx: RunContext = {
    store,
    notion: createNotionConnector({ token: NOTION_TOKEN, baseUrl: notionUrl, clock, logger: silentLogger }),
    google: createGoogleConnector({ ...config.google.credentials!, apiRoot: googleUrl, clock, logger: silentLogger, requestsPerSecond: 50 }),
    config,
    clock,
    logger: silentLogger,
  };
  return {
    clock,
    google,
    notion,
    sample,
    notionIds,
    config,
    ctx,
    ds: (name) => config.datasets.find((d) => d.name === name)!,
    close: async () => {
      await google.close();
      await notion.close();
    },
  };
}
