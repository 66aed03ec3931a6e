import { z } from 'zod';

const identifier = z
  .string()
  .regex(/^[a-z_][a-z0-9_]{0,62}$/, 'must be a lower-case SQL identifier (letters, digits, underscore; at most 63 characters)');

/** Per-dataset overrides in the config file. Unknown keys are errors, so typos never pass silently. */
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
      })
      .strict()
      .optional(),
    datasets: z.record(z.string(), datasetOverrideSchema).optional(),
  })
  .strict();

export type ConfigFile = z.infer<typeof configFileSchema>;
export type DatasetOverride = z.infer<typeof datasetOverrideSchema>;
