/** A configuration problem the user must fix. Its message is one line per problem, each naming the setting and the fix. */
export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}
