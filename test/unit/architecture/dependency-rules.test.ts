import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { cruise, type IConfiguration, type ICruiseResult } from 'dependency-cruiser';
import { afterEach, describe, expect, it } from 'vitest';

/**
 * The import boundaries of .dependency-cruiser.cjs (run by `npm run lint:deps` in `npm test`): each
 * seeded violation must fail with the rule that names it, the allowed directions must pass, and the
 * real tree must pass.
 */
const root = resolve(import.meta.dirname, '../../..');
const configPath = join(root, '.dependency-cruiser.cjs');
const config = createRequire(import.meta.url)(configPath) as IConfiguration;

const tmpDirs: string[] = [];
afterEach(async () => {
  await Promise.all(tmpDirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

/** A throwaway tree of files (path -> source) shaped like the project's src/. */
async function fixture(files: Record<string, string>): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'depcruise-'));
  tmpDirs.push(dir);
  for (const [path, source] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), source);
  }
  return dir;
}

async function violations(baseDir: string): Promise<string[]> {
  const { output } = await cruise(['src'], { ...config.options, baseDir, validate: true, ruleSet: { forbidden: config.forbidden ?? [] } });
  const result = output as ICruiseResult;
  return result.summary.violations.map((v) => `${v.rule.name}: ${v.from} -> ${v.to}`);
}

const leaf = 'export const x = 1;\n';

describe('import boundaries (.dependency-cruiser.cjs)', () => {
  it.each<{ name: string; files: Record<string, string>; rule: string }>([
    {
      name: 'a folder importing a higher layer',
      files: { 'src/rules/plan.ts': "import { x } from '../events/store.ts';\nexport const y = x;\n", 'src/events/store.ts': leaf },
      rule: 'layer:src/rules/',
    },
    {
      name: 'a type-only import up the pipeline',
      files: { 'src/events/store.ts': "import type { T } from '../category-sync/readiness.ts';\nexport const f = (t: T) => t;\n", 'src/category-sync/readiness.ts': 'export type T = number;\n' },
      rule: 'layer:src/events/',
    },
    {
      name: 'a foundation file importing a domain folder',
      files: { 'src/config.ts': "import { x } from './bigcommerce/scopes.ts';\nexport const y = x;\n", 'src/bigcommerce/scopes.ts': leaf },
      rule: 'layer:src/config.ts',
    },
    {
      name: 'a folder importing a sibling of its own layer',
      files: { 'src/firestore/a.ts': "import { x } from '../bigcommerce/b.ts';\nexport const y = x;\n", 'src/bigcommerce/b.ts': leaf },
      rule: 'layer:src/firestore/',
    },
    {
      name: 'a domain folder importing the HTTP edge',
      files: { 'src/stores/routes.ts': "import type { App } from '../app.ts';\nexport type R = App;\n", 'src/app.ts': 'export type App = number;\n' },
      rule: 'layer:src/stores/',
    },
    {
      name: 'the composition root importing an entry point',
      files: { 'src/services.ts': "import { x } from './main.ts';\nexport const y = x;\n", 'src/main.ts': leaf },
      rule: 'layer:src/services.ts',
    },
    {
      name: 'an import cycle inside one folder',
      files: { 'src/sandbox/a.ts': "import { b } from './b.ts';\nexport const a = () => b;\n", 'src/sandbox/b.ts': "import { a } from './a.ts';\nexport const b = () => a;\n" },
      rule: 'no-circular',
    },
    {
      name: 'service code importing the sandbox',
      files: { 'src/webhooks/x.ts': "import { s } from '../sandbox/index.ts';\nexport const y = s;\n", 'src/sandbox/index.ts': 'export const s = 1;\n' },
      rule: 'sandbox-not-imported',
    },
    {
      name: 'the sandbox importing service behaviour',
      files: { 'src/sandbox/x.ts': "import { x } from '../bigcommerce/scopes.ts';\nexport const y = x;\n", 'src/bigcommerce/scopes.ts': leaf },
      rule: 'sandbox-independent',
    },
    {
      name: 'an import that does not resolve',
      files: { 'src/rules/x.ts': "import { x } from './missing.ts';\nexport const y = x;\n" },
      rule: 'not-to-unresolvable',
    },
  ])('fails on $name', async ({ files, rule }) => {
    const found = await violations(await fixture(files));
    expect(found.some((v) => v.startsWith(`${rule}:`)), found.join('\n')).toBe(true);
  });

  it('passes imports down the pipeline, within a folder and from the sandbox to the shared contracts', async () => {
    const dir = await fixture({
      'src/errors.ts': leaf,
      'src/clock.ts': leaf,
      'src/bigcommerce/scopes.ts': "import { x } from '../errors.ts';\nexport const s = x;\n",
      'src/events/plan.ts': "import { s } from '../bigcommerce/scopes.ts';\nimport { h } from './helper.ts';\nexport const p = s + h;\n",
      'src/events/helper.ts': leaf.replace('x', 'h'),
      'src/webhooks/reconcile.ts': "import { p } from '../events/plan.ts';\nexport const r = p;\n",
      'src/main.ts': "import { r } from './webhooks/reconcile.ts';\nexport const m = r;\n",
      'src/sandbox/store.ts': "import { x } from '../clock.ts';\nimport { x as e } from '../errors.ts';\nexport const st = x + e;\n",
    });
    expect(await violations(dir)).toEqual([]);
  });

  it('passes on the real tree', async () => {
    expect(await violations(root)).toEqual([]);
  });

  it('makes `npm run lint:deps` exit non-zero on a seeded violation', async () => {
    const dir = await fixture({ 'src/rules/plan.ts': "import { x } from '../webhooks/api.ts';\nexport const y = x;\n", 'src/webhooks/api.ts': leaf });
    const run = promisify(execFile)(join(root, 'node_modules/.bin/depcruise'), ['src', '--config', configPath, '--output-type', 'err'], { cwd: dir });
    await expect(run).rejects.toMatchObject({ code: expect.any(Number) as number, stdout: expect.stringContaining('layer:src/rules/') as string });
  });
});
