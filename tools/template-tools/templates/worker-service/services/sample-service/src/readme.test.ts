import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { renderConfigTable } from '@flowstack/config';
import { sampleServiceConfigSchema } from './config.js';

describe('the README', () => {
  it('when the config schema changes, then the README table must be regenerated', () => {
    const readme = readFileSync(new URL('../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(renderConfigTable(sampleServiceConfigSchema));
  });
});
