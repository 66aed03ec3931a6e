/** Bad-input corpus: configuration files and environment variables (config.cases.ts). */
import { describe, it } from 'vitest';
import { configArea } from './config.cases.ts';

describe('bad configuration', () => {
  for (const c of configArea.cases) it(`${c.id}: ${c.input} → ${c.outcome}`, () => c.run({}));
});
