/**
 * A run's view of the world while it holds its dataset lease: Postgres writes fenced by the lease's
 * token (src/store/leases.ts), and Notion and Google writes refused once the lease is lost. Reads
 * pass through. A run that lost its lease thus writes nothing more anywhere.
 */
import type { GoogleConnector } from '../connectors/google/types.ts';
import type { NotionConnector } from '../connectors/notion/types.ts';
import { fencedStore, type Lease } from '../store/leases.ts';
import type { RunContext } from './context.ts';

const NOTION_WRITES = new Set<string>(['createPage', 'updatePage', 'addProperties']);
const PEOPLE_WRITES = new Set<string>(['createContact', 'updateContact', 'deleteContact']);

export function guardRunContext(ctx: RunContext, lease: Lease): RunContext {
  return {
    ...ctx,
    store: fencedStore(ctx.store, lease),
    notion: guardMethods(ctx.notion, NOTION_WRITES, lease),
    google: ctx.google ? guardGoogle(ctx.google, lease) : undefined,
  };
}

function guardGoogle(google: GoogleConnector, lease: Lease): GoogleConnector {
  const people = guardMethods(google.people, PEOPLE_WRITES, lease);
  return new Proxy(google, {
    get: (target, prop) => (prop === 'people' ? people : bindIfMethod(target, prop)),
  });
}

/** A proxy of `target` whose methods named in `writes` first check the lease. */
function guardMethods<T extends object>(target: T, writes: Set<string>, lease: Lease): T {
  return new Proxy(target, {
    get(t, prop) {
      const value = bindIfMethod(t, prop);
      if (typeof prop !== 'string' || !writes.has(prop) || typeof value !== 'function') return value;
      // Every guarded method returns a promise: the refusal is a rejection, like the write's own errors.
      return async (...args: unknown[]) => {
        lease.assertHeld();
        return (value as (...a: unknown[]) => unknown)(...args);
      };
    },
  });
}

function bindIfMethod(target: object, prop: string | symbol): unknown {
  const value = Reflect.get(target, prop, target);
  return typeof value === 'function' ? value.bind(target) : value;
}

