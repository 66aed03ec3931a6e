import { runGoogleEmulatorCli } from '../../../emulators/google/cli.ts';
import { runNotionEmulatorCli } from '../../../emulators/notion/cli.ts';
import { numberFlag, UsageError, type ParsedCommand } from '../args.ts';

/** `jarvis-sync emulate notion|google`: runs an emulator standalone until Ctrl-C. */
export async function emulateCommand(cmd: ParsedCommand): Promise<number> {
  const which = cmd.positionals[0];
  if (which !== 'notion' && which !== 'google') throw new UsageError(`emulate needs a service: notion or google (got ${which ?? 'nothing'})`);
  const port = numberFlag(cmd.flags, 'port', { min: 0, max: 65535, integer: true }) ?? (which === 'notion' ? 7070 : 7071);
  const host = typeof cmd.flags.host === 'string' ? cmd.flags.host : '127.0.0.1';
  const seedPath = typeof cmd.flags.seed === 'string' ? cmd.flags.seed : undefined;
  const emulator = which === 'notion' ? await runNotionEmulatorCli({ port, host, seedPath }) : await runGoogleEmulatorCli({ port, host, seedPath });
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await emulator.close();
  return 0;
}
