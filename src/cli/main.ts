import { ConfigError, loadConfig } from '../config/index.ts';
import { createLogger } from '../lib/logger.ts';
import { parseCommand, UsageError } from './args.ts';
import { helpText } from './help.ts';
import { loadEnvFile } from './env.ts';

/**
 * Entry point of `jarvis-sync`. Exit codes: 0 success, 1 a sync failed, 2 bad usage or configuration.
 * Human output goes to stdout; structured logs (pino) go to stderr.
 * Each command's module is imported only when it runs: `help` and `status` never load the Google
 * and Notion SDKs, the server or the emulators, so they start at once.
 */
export async function main(argv: string[]): Promise<number> {
  const out = (s: string) => process.stdout.write(s + '\n');
  try {
    const cmd = parseCommand(argv);
    if (cmd.flags.version) {
      out('jarvis-sync 0.1.0');
      return 0;
    }
    if (cmd.flags.help || cmd.command === 'help') {
      out(helpText(cmd.command === 'help' ? cmd.positionals[0] : cmd.command));
      return 0;
    }
    // .env (or JARVIS_ENV_FILE) before anything reads the environment; real variables win.
    loadEnvFile();
    if (cmd.command === 'emulate') return await (await import('./commands/emulate.ts')).emulateCommand(cmd);
    // Both run without a complete config: doctor reports config errors, auth google creates GOOGLE_REFRESH_TOKEN.
    if (cmd.command === 'doctor') return await (await import('./commands/doctor.ts')).doctorCommand(cmd, out);
    if (cmd.command === 'auth') return await (await import('./commands/authGoogle.ts')).authGoogleCommand(cmd, { out, err: (s) => process.stderr.write(s + '\n') });
    const config = loadConfig({ configPath: typeof cmd.flags.config === 'string' ? cmd.flags.config : undefined });
    const logger = createLogger({ level: config.logLevel, format: config.logFormat ?? undefined, destination: process.stderr });
    switch (cmd.command) {
      case 'migrate':
        return await (await import('./commands/migrate.ts')).migrateCommand(config, logger, out);
      case 'sync':
        return await (await import('./commands/sync.ts')).syncCommand(cmd, config, logger, out);
      case 'inspect':
        return await (await import('./commands/inspect.ts')).inspectCommand(cmd, config, logger, out);
      case 'relink':
        return await (await import('./commands/relink.ts')).relinkCommand(cmd, config, logger, out);
      case 'setup':
        return await (await import('./commands/setup.ts')).setupCommand(cmd, config, logger, out);
      case 'demo':
        return await (await import('./commands/demo.ts')).demoCommand(cmd, config, logger, out);
      case 'start':
        return await (await import('./commands/start.ts')).startCommand(cmd, config, logger, out);
      case 'status':
        return await (await import('./commands/status.ts')).statusCommand(cmd, config, logger, out);
      case 'serve':
        return await (await import('./commands/serve.ts')).serveCommand(cmd, config, logger, out);
      default:
        throw new UsageError(`unknown command "${cmd.command}"`);
    }
  } catch (e) {
    if (e instanceof UsageError) {
      process.stderr.write(`jarvis-sync: ${e.message}\nRun \`jarvis-sync help\` for usage.\n`);
      return 2;
    }
    process.stderr.write(`jarvis-sync: ${(e as Error).message ?? String(e)}\n`);
    return exitCodeFor(e);
  }
}

/**
 * 2: something to fix before running again (config, a DATABASE_URL that never worked); 1: the run
 * failed and a later one can succeed (including Postgres restarting under a running sync).
 */
export function exitCodeFor(e: unknown): 1 | 2 {
  if (e instanceof UsageError || e instanceof ConfigError) return 2;
  const err = e as { name?: string; transient?: boolean };
  if (err?.name === 'StoreConnectionError' && !err.transient) return 2;
  return 1;
}
