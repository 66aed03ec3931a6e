/**
 * Detecting a transaction pooler at run time (src/store/poolerDetect.ts) against real PgBouncer in
 * both modes and the direct connection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describePooling, detectTransactionPooling } from '../../src/store/poolerDetect.ts';
import { createPoolerTestDatabase, describePoolers, type PoolerTestDatabase } from '../helpers/poolers.ts';
import { createTestDatabase, storeBackends, type TestDatabase } from '../helpers/stores.ts';

describePoolers('pooler detection', (mode) => {
  let db: PoolerTestDatabase;
  beforeAll(async () => {
    db = await createPoolerTestDatabase(mode);
  });
  afterAll(async () => db?.drop());

  it(`says ${mode === 'transaction' ? 'transaction pooling' : 'no transaction pooling'}`, async () => {
    const r = await detectTransactionPooling(db.poolerUrl);
    expect(r.pooling).toBe(mode === 'transaction' ? 'transaction' : 'dedicated');
    expect(describePooling(r)).toMatch(mode === 'transaction' ? /^transaction pooler detected \(.*\)\. jarvis-sync works through it/ : /^no transaction pooling/);
  });
});

describe.runIf(storeBackends().includes('postgres'))('pooler detection on a direct connection', () => {
  let db: TestDatabase;
  beforeAll(async () => {
    db = await createTestDatabase();
  });
  afterAll(async () => db?.drop());

  it('finds each client on its own server process', async () => {
    expect(await detectTransactionPooling(db.url)).toEqual({ pooling: 'dedicated', evidence: 'each client connection keeps its own server process' });
  });
});
