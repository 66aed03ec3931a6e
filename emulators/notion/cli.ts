/**
 * `jarvis-sync emulate notion --port N --seed FILE`: a long-running emulator for demos and manual
 * testing. Paced like the real API by default (3 requests/second, bursts of 10).
 */
import { systemClock, type Clock } from '../../src/lib/clock.ts';
import { createNotionEmulator, loadSeedFile } from './index.ts';
import type { NotionEmulator, RateLimit } from './types.ts';

export interface NotionEmulatorCliOptions {
  port?: number;
  host?: string;
  seedPath?: string;
  /** Default { requestsPerSecond: 3, burst: 10 }; null disables limiting. */
  rateLimit?: RateLimit | null;
  /** Where to print; default console.log. */
  log?: (line: string) => void;
  /** Default the system clock; tests inject a FakeClock so the limiter's refill is not timing-dependent. */
  clock?: Clock;
}

export async function runNotionEmulatorCli(opts: NotionEmulatorCliOptions = {}): Promise<NotionEmulator> {
  const log = opts.log ?? ((line: string) => console.log(line));
  const emulator = createNotionEmulator({
    clock: opts.clock ?? systemClock,
    rateLimit: opts.rateLimit === undefined ? { requestsPerSecond: 3, burst: 10 } : opts.rateLimit,
    seed: opts.seedPath ? loadSeedFile(opts.seedPath) : undefined,
  });
  const url = await emulator.listen(opts.port ?? 0, opts.host ?? '127.0.0.1');
  log(`Notion emulator listening on ${url}`);
  log(`  any non-empty token is accepted, e.g.: NOTION_TOKEN=secret_emulator NOTION_BASE_URL=${url}`);
  log(`  SDK: new Client({ auth: 'secret_emulator', baseUrl: '${url}' })`);
  return emulator;
}
