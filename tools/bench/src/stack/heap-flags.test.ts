import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { HEAP_FLAGS } from './local-stack.js';

const jobFile = (service: string) =>
  readFileSync(new URL(`../../../../jobs/${service}.nomad.hcl`, import.meta.url), 'utf8');

describe('the heap limits the bench starts the services with', () => {
  it.each(['api', 'worker'] as const)(
    'when the %s job sets NODE_OPTIONS, then the bench passes the same flags (it measures what deploys)',
    (service) => {
      const options = [...jobFile(service).matchAll(/^\s*NODE_OPTIONS\s*=\s*"([^"]*)"/gm)];
      expect(options).toHaveLength(1);
      expect(options[0]![1]!.split(/\s+/)).toEqual(HEAP_FLAGS[service]);
    },
  );
});
