import { Cron } from 'croner';
import { z } from 'zod';

/** A cron expression (5 or 6 fields), checked by the scheduler's own parser so a typo stops the start. */
const cronExpression = z.string().refine(
  (v) => {
    try {
      new Cron(v, { paused: true });
      return true;
    } catch {
      return false;
    }
  },
  { message: 'is not a valid cron expression (e.g. "*/15 * * * *")' },
);

const identifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (letters, digits, underscore; at most 63 characters)');

/** Columns every dataset table has (src/store/datasetTables.ts): a field cannot take their names. */
export const STANDARD_COLUMN_NAMES = ['id', 'notion_page_id', 'notion_updated_at', 'last_sync_source', 'created_at', 'updated_at', 'deleted_at'] as const;

/** Column types a field's `type` may name (whether the property's kind fits is checked once its schema is read). */
export const FIELD_COLUMN_TYPES = ['text', 'numeric', 'boolean', 'date', 'timestamptz', 'text[]', 'uuid[]', 'jsonb'] as const;

/** One extra field: the key is its column, `property` the Notion property, `type` overrides the column type. */
export const fieldSchema = z
  .object({
    property: z.string().min(1),
    type: z.enum(FIELD_COLUMN_TYPES).optional(),
  })
  .strict();

const fieldsSchema = z.record(z.string(), fieldSchema).superRefine((fields, ctx) => {
  for (const key of Object.keys(fields)) {
    if (!/^[a-z_][a-z0-9_]{0,62}$/.test(key)) {
      ctx.addIssue({ code: 'custom', path: [key], message: 'a field\'s key is its column: a lower-case SQL identifier (letters, digits, underscore; at most 63 characters)' });
    } else if ((STANDARD_COLUMN_NAMES as readonly string[]).includes(key)) {
      ctx.addIssue({ code: 'custom', path: [key], message: `"${key}" is one of the standard columns every dataset table has (${STANDARD_COLUMN_NAMES.join(', ')}); give the field another key` });
    }
  }
});

/**
 * Per-dataset settings in the config file: overrides of a built-in dataset, or (under any other
 * name) a dataset of your own with databaseId, direction, table and fields. Unknown keys are
 * errors, so typos never pass silently.
 */
export const datasetOverrideSchema = z
  .object({
    databaseId: z.string().min(1).optional(),
    enabled: z.boolean().optional(),
    table: identifier.optional(),
    /** field → Notion property name */
    properties: z.record(z.string(), z.string().min(1)).optional(),
    /** Two-way datasets: the rich_text property holding the Postgres row id (default "Supabase ID"). */
    rowIdProperty: z.string().min(1).optional(),
    /** field → Postgres column */
    columns: z.record(z.string(), identifier).optional(),
    /**
     * The dataset's table exists and was not created by jarvis-sync: let migrate use it, adding the
     * columns, indexes and trigger it lacks (never dropping or retyping one). Without it, migrate
     * refuses to touch such a table.
     */
    adopt: z.boolean().optional(),
    /** A dataset of your own: notion-to-postgres (Postgres a read-only copy) or two-way. */
    direction: z.enum(['notion-to-postgres', 'two-way']).optional(),
    /** column → { property, type? }: extra fields of a built-in dataset, or every field of your own. */
    fields: fieldsSchema.optional(),
  })
  .strict();

export const configFileSchema = z
  .object({
    notion: z
      .object({
        baseUrl: z.url().optional(),
        requestsPerSecond: z.number().positive().max(100).optional(),
        burst: z.number().int().positive().max(1000).optional(),
        maxRetries: z.number().int().min(0).max(20).optional(),
        timeoutMs: z.number().int().positive().optional(),
      })
      .strict()
      .optional(),
    sync: z
      .object({
        overlapSeconds: z.number().int().min(60).max(86_400).optional(),
        safetyValveRatio: z.number().min(0).max(1).optional(),
        deletionValveShare: z.number().min(0).max(1).optional(),
        deletionValveMinimum: z.number().int().min(0).optional(),
        conflictBufferSeconds: z.number().min(0).max(3600).optional(),
        tieWinner: z.enum(['notion', 'postgres']).optional(),
        /** sync_logs rows older than this many days are deleted (at most hourly, after a run); 0 keeps them forever. */
        logRetentionDays: z.number().int().min(0).max(36_500).optional(),
      })
      .strict()
      .optional(),
    datasets: z.record(z.string(), datasetOverrideSchema).optional(),
    server: z
      .object({
        host: z.string().min(1).optional(),
        port: z.number().int().min(0).max(65535).optional(),
      })
      .strict()
      .optional(),
    schedule: z
      .object({
        enabled: z.boolean().optional(),
        /** Cron expression for an incremental `sync all` (default every 15 minutes). */
        all: cronExpression.optional(),
        /** Cron expression for a full `sync all` (default 03:00 daily); null disables it. */
        full: cronExpression.nullable().optional(),
        /** Per-dataset cron expressions, run besides `all`. */
        datasets: z.record(z.string(), cronExpression).optional(),
        timezone: z.string().optional(),
      })
      .strict()
      .optional(),
    notifications: z
      .object({
        webhookUrl: z.url().optional(),
        format: z.enum(['json', 'slack', 'discord', 'ntfy']).optional(),
        /** A transient error of one kind notifies once it has repeated this many times (spec: 5). */
        transientThreshold: z.number().int().min(1).max(1000).optional(),
        /**
         * …within this many hours (default 24), whether or not successful runs come between; older
         * occurrences no longer count. Counted in the database, across restarts and processes.
         */
        windowHours: z.number().positive().max(24 * 30).optional(),
      })
      .strict()
      .optional(),
    webhooks: z
      .object({
        /** Settle window: webhook events for one page within this many seconds become one sync. */
        settleSeconds: z.number().min(0).max(600).optional(),
      })
      .strict()
      .optional(),
    /** Postgres → Notion in seconds: changes to two-way rows start targeted syncs (src/scheduler/postgresChanges.ts). */
    postgresChanges: z
      .object({
        enabled: z.boolean().optional(),
        /** Use LISTEN where it works (not through a transaction pooler); false: always poll. */
        listen: z.boolean().optional(),
        /** Seconds between two reads of the recorded changes when they are polled (default 5). */
        pollSeconds: z.number().min(1).max(3600).optional(),
        /** Settle window: changes to one row within this many seconds become one sync (default 2). */
        settleSeconds: z.number().min(0).max(600).optional(),
      })
      .strict()
      .optional(),
    /** Polling for changes where no webhook delivers them (src/scheduler/polling.ts). */
    polling: z
      .object({
        enabled: z.boolean().optional(),
        /** Seconds between two polls of one Notion dataset without webhooks (default: 30, longer if many datasets). */
        notionSeconds: z.number().min(5).max(86_400).optional(),
        /** …with Notion webhooks set up: a backup poll in case an event is lost (default 300). */
        notionBackupSeconds: z.number().min(5).max(86_400).optional(),
        /** Seconds between two polls of one Google dataset (calendar without push, gmail, contacts; default 30). */
        googleSeconds: z.number().min(5).max(86_400).optional(),
        /** …of the calendar when its push channel is set up (default 300). */
        googleBackupSeconds: z.number().min(5).max(86_400).optional(),
      })
      .strict()
      .optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;
export type DatasetOverride = z.infer<typeof datasetOverrideSchema>;
export type FieldConfig = z.infer<typeof fieldSchema>;
