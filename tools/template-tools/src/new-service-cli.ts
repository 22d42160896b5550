#!/usr/bin/env node
import { AppError, runCli } from '@flowstack/errors';
import { scaffoldService } from './scaffold-service.js';
import { TemplateError } from './template-error.js';

/** `npm run new:service -- <name>`: scaffolds services/<name> and everything that deploys it. */
process.exitCode = await runCli({
  name: 'new:service',
  usage: 'usage: npm run new:service -- <name> [repository root]',
  allowPositionals: true,
  options: {},
  userErrors: [TemplateError],
  run: async ({ positionals: [name, root = process.cwd(), ...rest] }, io) => {
    if (name === undefined) throw AppError.usage('a service name is required');
    if (rest.length > 0) throw AppError.usage(`unexpected argument "${rest[0]}"`);
    const result = await scaffoldService(root, name);
    for (const file of result.created) io.out(`created ${file}`);
    for (const file of result.edited) io.out(`edited  ${file}`);
    io.out(
      'next: npm install (links the new workspace), then npm test; see docs/adding-a-service.md',
    );
  },
});
