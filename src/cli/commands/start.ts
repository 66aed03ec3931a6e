import type { Config } from '../../config/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { numberFlag, type ParsedCommand } from '../args.ts';
import { serveCommand } from './serve.ts';

/**
 * `jarvis-sync start` (`npm start`): the service (`serve`). With no credentials configured (neither
 * NOTION_TOKEN nor Google's), the same service in demo mode, against the sample Notion workspace
 * and Google account in local emulators.
 * `--interval N` (minutes) replaces the schedule's `all` expression, as earlier versions' loop did.
 */
export async function startCommand(cmd: ParsedCommand, config: Config, logger: Logger, out: (s: string) => void): Promise<number> {
  if (!config.notion.token && !config.google.credentials) {
    out('No credentials are configured (neither NOTION_TOKEN nor GOOGLE_CLIENT_ID, GOOGLE_CLIENT_SECRET and GOOGLE_REFRESH_TOKEN are set): starting the demo — the service against a sample Notion workspace and a sample Google account in local emulators.\n');
    return serveCommand({ ...cmd, flags: { ...cmd.flags, interval: undefined } }, config, logger, out, { demo: true });
  }
  const minutes = numberFlag(cmd.flags, 'interval', { min: 1, max: 24 * 60, integer: true });
  const schedule = minutes === undefined ? config.schedule : { ...config.schedule, all: everyMinutes(minutes) };
  return serveCommand(cmd, { ...config, schedule }, logger, out);
}

/** A cron expression firing every `minutes` minutes (on the hour's multiples, or every N hours). */
function everyMinutes(minutes: number): string {
  if (minutes < 60) return `*/${minutes} * * * *`;
  const hours = Math.max(1, Math.round(minutes / 60));
  return hours >= 24 ? '0 0 * * *' : `0 */${hours} * * *`;
}
