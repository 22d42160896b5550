import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';

/** Directories that are generated or installed, never sources to rewrite. */
const SKIPPED_DIRECTORIES = new Set(['node_modules', 'dist', '.git', '.turbo', 'coverage']);
const SKIPPED_FILES = new Set(['.test-results.json']);

/** Every source file under root (relative paths, sorted), skipping installs and build output. */
export async function listProjectFiles(root: string): Promise<string[]> {
  const files: string[] = [];
  const visit = async (dir: string): Promise<void> => {
    for (const entry of await readdir(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name)) await visit(path);
      } else if (entry.isFile() && !SKIPPED_FILES.has(entry.name)) {
        files.push(relative(root, path));
      }
    }
  };
  await visit(root);
  return files.sort();
}

/** The text of a file, or undefined for a binary one (a NUL byte in it). */
export async function readTextFile(path: string): Promise<string | undefined> {
  const bytes = await readFile(path);
  return bytes.includes(0) ? undefined : bytes.toString('utf8');
}
