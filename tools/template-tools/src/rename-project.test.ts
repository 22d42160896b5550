import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createRenamer, renameProject } from './rename-project.js';

const sample = [
  "import { x } from '@flowstack/config';",
  'service "flowstack-api" {}',
  'flowstack_queue_acked_total flowstack_readonly',
  'const flowstackBacklog = 1; timelineFlowstack(); FLOWSTACK_VERSION',
  'key flowstack:orders exchange flowstack.orders path kv/data/flowstack/api/config',
].join('\n');

describe('createRenamer', () => {
  it('when renaming to a dashed name, then every spelling takes its own form', () => {
    const renamed = createRenamer('flowstack', 'acme-shop')(sample);
    expect(renamed).toBe(
      [
        "import { x } from '@acme-shop/config';",
        'service "acme-shop-api" {}',
        'acme_shop_queue_acked_total acme_shop_readonly',
        'const acmeShopBacklog = 1; timelineAcmeShop(); ACME_SHOP_VERSION',
        'key acme-shop:orders exchange acme-shop.orders path kv/data/acme-shop/api/config',
      ].join('\n'),
    );
  });

  it('when a script has a variable named after the project, then it takes the camel form', () => {
    const rename = createRenamer('flowstack', 'acme-shop');
    const code =
      "const flowstack = true; if (flowstack) log('flowstack services'); /x\\.flowstack-api/;";
    expect(rename(code, 'rule.ts')).toBe(
      "const acmeShop = true; if (acmeShop) log('acme-shop services'); /x\\.acme-shop-api/;",
    );
    expect(rename('const flowstack = 1;', 'notes.md')).toBe('const acme-shop = 1;');
  });

  it('when renaming back, then the original text is restored', () => {
    const there = createRenamer('flowstack', 'acme-shop')(sample);
    expect(createRenamer('acme-shop', 'flowstack')(there)).toBe(sample);
  });
});

const roots: string[] = [];
afterAll(async () => {
  for (const root of roots) await rm(root, { recursive: true, force: true });
});

async function project(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'rename-unit-'));
  roots.push(root);
  await writeFile(join(root, 'package.json'), '{ "name": "flowstack", "workspaces": [] }\n');
  await mkdir(join(root, 'policies'));
  await writeFile(join(root, 'policies/flowstack-api.hcl'), 'path "kv/data/flowstack/api" {}\n');
  await mkdir(join(root, 'node_modules/@flowstack'), { recursive: true });
  await writeFile(join(root, 'node_modules/@flowstack/x.js'), 'flowstack');
  return root;
}

describe('renameProject', () => {
  it('when run, then contents and file names change, and node_modules is left alone', async () => {
    const root = await project();
    const result = await renameProject(root, 'shop');
    expect(result.movedFiles).toEqual([['policies/flowstack-api.hcl', 'policies/shop-api.hcl']]);
    expect(await readFile(join(root, 'policies/shop-api.hcl'), 'utf8')).toContain(
      'kv/data/shop/api',
    );
    expect(await readFile(join(root, 'node_modules/@flowstack/x.js'), 'utf8')).toBe('flowstack');
  });

  it('when run twice with the same name, then the second run changes nothing', async () => {
    const root = await project();
    await renameProject(root, 'shop');
    const again = await renameProject(root, 'shop');
    expect(again.changedFiles).toEqual([]);
    expect(again.movedFiles).toEqual([]);
  });

  it('when the new name already appears in the files, then it is refused', async () => {
    const root = await project();
    await expect(renameProject(root, 'api')).rejects.toThrow('already appears in the repository');
  });

  it('when the name is invalid, then nothing is read or written', async () => {
    const root = await project();
    await expect(renameProject(root, 'Bad_Name')).rejects.toThrow('invalid project name');
    expect(await readFile(join(root, 'package.json'), 'utf8')).toContain('"flowstack"');
  });
});
