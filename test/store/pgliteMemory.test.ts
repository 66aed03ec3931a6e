/**
 * PGlite's buffer pool is sized for a personal sync, not Postgres' 128 MB default: the pool lives
 * in the WASM heap of every process that opens the database (bench/startup.ts measures the RSS).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/index.ts';
import { PGLITE_SHARED_BUFFERS } from '../../src/store/pglite.ts';

describe('PGlite memory', () => {
  afterEach(() => {
    delete process.env.JARVIS_PGLITE_SHARED_BUFFERS;
  });

  it(`opens with shared_buffers = ${PGLITE_SHARED_BUFFERS}, and JARVIS_PGLITE_SHARED_BUFFERS overrides it`, async () => {
    const small = await openStore({ inMemory: true });
    try {
      const { rows } = await small.query<{ sb: string }>(`SELECT current_setting('shared_buffers') AS sb`);
      expect(rows[0]!.sb).toBe('16MB');
    } finally {
      await small.close();
    }
    process.env.JARVIS_PGLITE_SHARED_BUFFERS = '48MB';
    const larger = await openStore({ inMemory: true });
    try {
      const { rows } = await larger.query<{ sb: string }>(`SELECT current_setting('shared_buffers') AS sb`);
      expect(rows[0]!.sb).toBe('48MB');
    } finally {
      await larger.close();
    }
  });

  it('refuses a value that is not a size, saying what to set', async () => {
    process.env.JARVIS_PGLITE_SHARED_BUFFERS = 'lots';
    await expect(openStore({ inMemory: true })).rejects.toThrow(/JARVIS_PGLITE_SHARED_BUFFERS must be a size such as 16MB/);
  });
});
