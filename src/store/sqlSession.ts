/**
 * What both backends share: the transaction-scoped Sql (with SAVEPOINT-based nesting) and a guard
 * against using the store itself inside its own transaction callback.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type { QueryResult, Sql } from './types.ts';

/** The two primitives a backend provides for one connection/session. */
export interface SessionRunner {
  query<T>(text: string, params?: unknown[]): Promise<QueryResult<T>>;
  exec(script: string): Promise<void>;
}

/**
 * The `tx` handed to a transaction callback. Nested `tx.transaction(fn)` becomes a SAVEPOINT, so a
 * nested failure that the caller catches rolls back only the nested part and the outer transaction
 * goes on (plain inline nesting would leave Postgres in "current transaction is aborted").
 * Statements in one transaction run one at a time: do not run nested transactions concurrently.
 */
export function transactionSql(run: SessionRunner, depth = 0): Sql & { end(): void } {
  let open = true;
  const check = () => {
    if (!open) throw new Error('this transaction has already finished; use the store, not a stale tx');
  };
  return {
    async query<T>(text: string, params?: unknown[]) {
      check();
      return run.query<T>(text, params);
    },
    async exec(script: string) {
      check();
      await run.exec(script);
    },
    async transaction<T>(fn: (tx: Sql) => Promise<T>): Promise<T> {
      check();
      const savepoint = `jarvis_sp_${depth + 1}`;
      await run.query(`SAVEPOINT ${savepoint}`);
      const inner = transactionSql(run, depth + 1);
      try {
        const result = await fn(inner);
        await run.query(`RELEASE SAVEPOINT ${savepoint}`);
        return result;
      } catch (e) {
        await run.query(`ROLLBACK TO SAVEPOINT ${savepoint}`);
        throw e;
      } finally {
        inner.end();
      }
    },
    end() {
      open = false;
    },
  };
}

/**
 * Calling `store.query` inside `store.transaction(fn)` instead of `tx.query` deadlocks PGlite (one
 * session, held by the transaction) and silently runs outside the transaction on pg. Both backends
 * detect it and throw, so the mistake shows up in tests on PGlite already.
 */
export class TransactionGuard {
  private readonly als = new AsyncLocalStorage<{ open: boolean }>();

  assertOutside(what: string): void {
    if (this.als.getStore()?.open) {
      throw new Error(`store.${what}() called inside store.transaction(): use the tx passed to the callback`);
    }
  }

  async run<T>(fn: () => Promise<T>): Promise<T> {
    const ctx = { open: true };
    try {
      return await this.als.run(ctx, fn);
    } finally {
      ctx.open = false;
    }
  }
}
