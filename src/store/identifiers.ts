/**
 * Table and column names can come from the user's config file, and SQL cannot take them as
 * parameters. So every identifier that reaches SQL text passes through here: lower-case
 * snake_case only, at most 63 characters (Postgres' limit, beyond which it silently truncates).
 */
const IDENTIFIER = /^[a-z_][a-z0-9_]{0,62}$/;

export class InvalidIdentifierError extends Error {
  constructor(readonly value: unknown) {
    super(`invalid SQL identifier ${JSON.stringify(value)}: use lower-case letters, digits and underscores, starting with a letter or underscore, at most 63 characters`);
    this.name = 'InvalidIdentifierError';
  }
}

/** Returns `name` unchanged when it is a safe identifier; throws InvalidIdentifierError otherwise. */
export function assertIdentifier(name: string): string {
  if (typeof name !== 'string' || !IDENTIFIER.test(name)) throw new InvalidIdentifierError(name);
  return name;
}

/**
 * The identifier, validated and double-quoted. Quoting matters even for safe names: dataset
 * columns such as `date` or `type` are SQL keywords.
 */
export function quoteIdent(name: string): string {
  return `"${assertIdentifier(name)}"`;
}
