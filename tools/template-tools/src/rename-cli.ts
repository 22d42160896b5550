#!/usr/bin/env node
import { renameProject } from './rename-project.js';
import { TemplateError } from './template-error.js';

/**
 * `npm run rename -- <new-name>`: renames the project in the repository the command runs in.
 * Usage: rename-cli.js <new-name> [repository root]
 */
const [name, root = process.cwd()] = process.argv.slice(2);
const out = (line: string) => process.stdout.write(`${line}\n`);
try {
  if (name === undefined) throw new TemplateError('usage: npm run rename -- <new-name>');
  const result = await renameProject(root, name);
  if (result.changedFiles.length === 0 && result.movedFiles.length === 0) {
    out(`the project is already named "${result.to}": nothing to change`);
  } else {
    for (const [before, after] of result.movedFiles) out(`moved ${before} -> ${after}`);
    out(
      `renamed "${result.from}" to "${result.to}" in ${result.changedFiles.length} files (${result.movedFiles.length} moved)`,
    );
    out('next: npm install (links the renamed workspaces), then npm test');
  }
} catch (error) {
  if (!(error instanceof TemplateError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
