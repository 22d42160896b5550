#!/usr/bin/env node
import { AppError, runCli } from '@flowstack/errors';
import { renameProject } from './rename-project.js';
import { TemplateError } from './template-error.js';

/** `npm run rename -- <new-name>`: renames the project in the repository the command runs in. */
process.exitCode = await runCli({
  name: 'rename',
  usage: 'usage: npm run rename -- <new-name> [repository root]',
  allowPositionals: true,
  options: {},
  userErrors: [TemplateError],
  run: async ({ positionals: [name, root = process.cwd(), ...rest] }, io) => {
    if (name === undefined) throw AppError.usage('a new name is required');
    if (rest.length > 0) throw AppError.usage(`unexpected argument "${rest[0]}"`);
    const result = await renameProject(root, name);
    if (result.changedFiles.length === 0 && result.movedFiles.length === 0) {
      io.out(`the project is already named "${result.to}": nothing to change`);
      return;
    }
    for (const [before, after] of result.movedFiles) io.out(`moved ${before} -> ${after}`);
    io.out(
      `renamed "${result.from}" to "${result.to}" in ${result.changedFiles.length} files (${result.movedFiles.length} moved)`,
    );
    io.out('next: npm install (links the renamed workspaces), then npm test');
  },
});
