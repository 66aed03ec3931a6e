/** `jarvis-sync doctor` says which pooling it found, through real PgBouncer in both modes. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { doctorCommand } from '../../src/cli/commands/doctor.ts';
import { migrate, openStore } from '../../src/store/index.ts';
import { createPoolerTestDatabase, describePoolers, type PoolerTestDatabase } from '../helpers/poolers.ts';

describePoolers('doctor', (mode) => {
  let db: PoolerTestDatabase;
  let dir: string;
  beforeAll(async () => {
    db = await createPoolerTestDatabase(mode);
    const store = await openStore({ databaseUrl: db.directUrl });
    await migrate(store);
    await store.close();
    dir = mkdtempSync(join(tmpdir(), 'jarvis-doctor-pooler-'));
  });
  afterAll(async () => {
    rmSync(dir, { recursive: true, force: true });
    await db?.drop();
  });

  it(`reports ${mode === 'transaction' ? 'the transaction pooler, and that jarvis-sync works through it' : 'no transaction pooling'}`, async () => {
    const lines: string[] = [];
    await doctorCommand({ command: 'doctor', positionals: [], flags: {} }, (s) => lines.push(s), { env: { DATABASE_URL: db.poolerUrl, JARVIS_DATA_DIR: dir }, cwd: dir, timeoutMs: 5000 });
    const line = lines.find((l) => l.startsWith('· pooler:'));
    if (mode === 'transaction') expect(line).toMatch(/^· pooler: transaction pooler detected \(two client connections ran on the same server process \(pid \d+\) one after the other\)\. jarvis-sync works through it — per-dataset locks are lease rows/);
    else expect(line).toBe('· pooler: no transaction pooling (each client connection keeps its own server process)');
    expect(lines.find((l) => l.startsWith('✓ database:'))).toBeDefined();
  });
});
