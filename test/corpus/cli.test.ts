/**
 * Bad-input corpus: command lines (cli.cases.ts), through the real executable in child processes
 * (run concurrently), pointed at a Notion emulator that must receive no request.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNotionEmulator } from '../../emulators/notion/index.ts';
import { cliArea, type CliCtx } from './cli.cases.ts';

describe('bad command lines', () => {
  const emulator = createNotionEmulator({});
  const ctx: CliCtx = { notionUrl: '' };
  beforeAll(async () => {
    ctx.notionUrl = await emulator.listen(0, '127.0.0.1');
  });
  afterAll(async () => {
    expect(emulator.totalRequests(), 'no command reached Notion').toBe(0);
    await emulator.close();
  });
  for (const c of cliArea.cases) it.concurrent(`${c.id}: ${c.input} → ${c.outcome}`, () => c.run(ctx));
});
