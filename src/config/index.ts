export { columnName, loadConfig, requireNotionToken, type Config, type GoogleConfig, type ResolvedDataset, type LoadConfigOptions } from './load.ts';
export { ConfigError } from './errors.ts';
