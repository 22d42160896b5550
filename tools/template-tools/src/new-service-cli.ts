#!/usr/bin/env node
import { scaffoldService } from './scaffold-service.js';
import { TemplateError } from './template-error.js';

/**
 * `npm run new:service -- <name>`: scaffolds services/<name> and everything that deploys it.
 * Usage: new-service-cli.js <name> [repository root]
 */
const [name, root = process.cwd()] = process.argv.slice(2);
const out = (line: string) => process.stdout.write(`${line}\n`);
try {
  if (name === undefined) throw new TemplateError('usage: npm run new:service -- <name>');
  const result = await scaffoldService(root, name);
  for (const file of result.created) out(`created ${file}`);
  for (const file of result.edited) out(`edited  ${file}`);
  out('next: npm install (links the new workspace), then npm test; see docs/adding-a-service.md');
} catch (error) {
  if (!(error instanceof TemplateError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
