import { mkdir, readFile, rename, rmdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import ts from 'typescript';
import { listProjectFiles, readTextFile } from './project-files.js';
import { assertValidName, nameForms, type NameForms } from './project-name.js';
import { TemplateError } from './template-error.js';

export interface RenameResult {
  from: string;
  to: string;
  /** Files whose content changed (paths after the rename). */
  changedFiles: string[];
  /** Files moved because their path held the name: [before, after]. */
  movedFiles: [string, string][];
}

/** The project's current name: the root package name, which the rename rewrites like the rest. */
export async function currentProjectName(root: string): Promise<string> {
  const raw: unknown = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));
  const name =
    typeof raw === 'object' && raw !== null ? (raw as { name?: unknown }).name : undefined;
  if (typeof name !== 'string') throw new TemplateError(`${root}/package.json has no name`);
  return name;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * A function that rewrites every spelling of `from` into the same spelling of `to`. When `from`
 * is one word, its lowercase spelling is shared by the dashed, snake and camel forms: the
 * neighbouring characters decide (an underscore next to it = snake, an uppercase letter after it
 * = camel), so `flowstack_queue_acked_total` becomes `my_shop_queue_acked_total` and
 * `flowstackBacklog` becomes `myShopBacklog`. In a script (file ending in .ts or .js), a variable
 * named exactly `flowstack` becomes `myShop`.
 */
export function createRenamer(from: string, to: string): (text: string, file?: string) => string {
  const source = nameForms(from);
  const target = nameForms(to);
  const byText = new Map<string, keyof NameForms>();
  for (const form of ['upper', 'pascal', 'camel', 'snake', 'dashed'] as const) {
    byText.set(source[form], form);
  }
  const pattern = new RegExp(
    [...byText.keys()]
      .sort((a, b) => b.length - a.length)
      .map(escape)
      .join('|'),
    'g',
  );
  const lowercase = from.toLowerCase() === from && !from.includes('-');
  return (text, file = '') => {
    const identifiers =
      lowercase && /\.[cm]?[jt]s$/.test(file) ? identifierOffsets(text, from) : new Set<number>();
    return text.replace(pattern, (match: string, offset: number) => {
      const form = byText.get(match)!;
      if (!lowercase || match !== source.dashed) return target[form];
      const before = text.charAt(offset - 1);
      const after = text.charAt(offset + match.length);
      if (before === '_' || after === '_') return target.snake;
      if (/[A-Z]/.test(after) || identifiers.has(offset)) return target.camel;
      return target.dashed;
    });
  };
}

/** Offsets of the identifiers that are exactly `name` in a script, from TypeScript's parser. */
function identifierOffsets(text: string, name: string): Set<number> {
  const offsets = new Set<number>();
  if (!text.includes(name)) return offsets;
  const source = ts.createSourceFile('script.ts', text, ts.ScriptTarget.Latest, false);
  const visit = (node: ts.Node): void => {
    if (ts.isIdentifier(node) && node.text === name) offsets.add(node.getStart(source));
    ts.forEachChild(node, visit);
  };
  visit(source);
  return offsets;
}

/** Where any spelling of `name` already appears (content or path): the rename could not be undone. */
async function findCollisions(root: string, files: string[], name: string): Promise<string[]> {
  const forms: string[] = [...new Set<string>(Object.values(nameForms(name)))];
  const hits: string[] = [];
  for (const file of files) {
    const text = await readTextFile(join(root, file));
    const form = forms.find((f) => file.includes(f) || (text?.includes(f) ?? false));
    if (form !== undefined) hits.push(`${file} (${form})`);
  }
  return hits;
}

/**
 * Renames the project in place: file contents (package scope, service, Vault, Consul, Traefik,
 * queue, key and metric names, docs, the lock file) and file names. Running it again with the
 * same name changes nothing; renaming back restores the original, because a name whose
 * spellings already appear in the repository is refused.
 */
export async function renameProject(root: string, newName: string): Promise<RenameResult> {
  assertValidName(newName, 'project name');
  const from = await currentProjectName(root);
  const result: RenameResult = { from, to: newName, changedFiles: [], movedFiles: [] };
  if (from === newName) return result;
  assertValidName(from, 'current project name');

  const files = await listProjectFiles(root);
  const collisions = await findCollisions(root, files, newName);
  if (collisions.length > 0) {
    throw new TemplateError(
      `"${newName}" already appears in the repository, so the rename could not be undone: ${collisions.slice(0, 5).join(', ')}${collisions.length > 5 ? ', ...' : ''}`,
    );
  }

  const renameText = createRenamer(from, newName);
  const emptied = new Set<string>();
  for (const file of files) {
    const path = join(root, file);
    const text = await readTextFile(path);
    const next = text === undefined ? undefined : renameText(text, file);
    const target = renameText(file);
    if (next !== undefined && next !== text) {
      await writeFile(path, next);
      result.changedFiles.push(target);
    }
    if (target !== file) {
      await mkdir(dirname(join(root, target)), { recursive: true });
      await rename(path, join(root, target));
      result.movedFiles.push([file, target]);
      emptied.add(dirname(path));
    }
  }
  for (const dir of [...emptied].sort((a, b) => b.length - a.length)) {
    await rmdir(dir).catch(() => undefined);
  }
  return result;
}
