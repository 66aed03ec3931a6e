import type { Config } from '../../config/index.ts';
import type { Logger } from '../../lib/logger.ts';
import { numberFlag, type ParsedCommand } from '../args.ts';
import { serveCommand } from './serve.ts';

/**
 * `jarvis-sync start` (`npm start`): the service (`serve`). With no credentials configured (neither
 * NOTION_TOKEN nor Google's), the same service in demo mode, against the sample workspace.
 * `--interval N` (minutes) replaces the schedule's `all` expression, as earlier versions' loop did.
 */
export async function startCommand(cmd: ParsedCommand, config: Config, logger: Logger, out: (s: string) => void): Promise<number> {
  if (!config.notion.token && !config.google.credentials) {
    out('No credentials are configured (NOTION_TOKEN is not set): starting the demo — the service against a sample workspace in a local Notion emulator.\n');
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
