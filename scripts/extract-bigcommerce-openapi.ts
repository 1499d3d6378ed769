// Extracts the operations this project calls from BigCommerce's published OpenAPI documents
// (github.com/bigcommerce/docs, reference/catalog/*.yml) with every component they reference,
// and writes one JSON document per source file to test/fixtures/bigcommerce-openapi/. The tests
// validate the client's requests and the sandbox's responses against these (test/helpers/openapi.ts).
//
// Usage:  node scripts/extract-bigcommerce-openapi.ts --git-dir <bigcommerce/docs .git> [--commit <sha>]
// Output is deterministic for a given commit; `examples`/`x-examples` are dropped (size), nothing else
// is changed. Re-run it when BigCommerce updates the specs and review the diff.
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

const SOURCES: { path: string; out: string; operations: [string, string][] }[] = [
  {
    path: 'reference/catalog/products_catalog.v3.yml',
    out: 'catalog-products.json',
    operations: [
      ['get', '/catalog/products'],
      ['get', '/catalog/products/{product_id}'],
      ['get', '/catalog/products/category-assignments'],
      ['put', '/catalog/products/category-assignments'],
      ['delete', '/catalog/products/category-assignments'],
    ],
  },
  {
    path: 'reference/catalog/category-trees_catalog.v3.yml',
    out: 'catalog-category-trees.json',
    operations: [['get', '/catalog/trees/categories']],
  },
];

type Json = Record<string, unknown>;

const arg = (name: string): string | undefined => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};
const gitDir = arg('--git-dir');
if (!gitDir) throw new Error('--git-dir <path to the bigcommerce/docs git directory> is required');
const git = (...a: string[]): string => execFileSync('git', ['--git-dir', gitDir, ...a], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
const commit = (arg('--commit') ?? git('rev-parse', 'HEAD')).trim();
const outDir = join(dirname(fileURLToPath(import.meta.url)), '../test/fixtures/bigcommerce-openapi');

const strip = (v: unknown): unknown => {
  if (Array.isArray(v)) return v.map(strip);
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).filter(([k]) => k !== 'examples' && k !== 'x-examples' && k !== 'example').map(([k, x]) => [k, strip(x)]));
  return v;
};

for (const src of SOURCES) {
  const doc = parse(git('show', `${commit}:${src.path}`)) as { openapi: string; info: Json; servers: unknown; paths: Record<string, Json>; components: Record<string, Record<string, unknown>> };
  const date = git('log', '-1', '--format=%cI', commit, '--', src.path).trim();
  const paths: Record<string, Json> = {};
  for (const [method, p] of src.operations) {
    const item = doc.paths[p];
    if (!item?.[method]) throw new Error(`${src.path}: no ${method.toUpperCase()} ${p}`);
    const kept = (paths[p] ??= item.parameters ? { parameters: item.parameters } : {});
    kept[method] = item[method];
  }
  // Every component reachable from the kept operations (refs are local: #/components/<kind>/<name>).
  const components: Record<string, Record<string, unknown>> = {};
  const queue: unknown[] = [paths];
  const seen = new Set<string>();
  while (queue.length > 0) {
    const v = queue.pop();
    if (Array.isArray(v)) queue.push(...(v as unknown[]));
    else if (v && typeof v === 'object') {
      for (const [k, x] of Object.entries(v)) {
        if (k === '$ref' && typeof x === 'string' && !seen.has(x)) {
          seen.add(x);
          const [, kind, name] = /^#\/components\/([^/]+)\/(.+)$/.exec(x) ?? [];
          if (!kind || !name) throw new Error(`non-local $ref ${x}`);
          const target = doc.components[kind]?.[name];
          (components[kind] ??= {})[name] = target;
          queue.push(target);
        } else queue.push(x);
      }
    }
  }
  const sorted = Object.fromEntries(Object.entries(components).sort().map(([k, v]) => [k, Object.fromEntries(Object.entries(v).sort())]));
  const out = strip({
    openapi: doc.openapi,
    info: { title: doc.info.title, version: doc.info.version, 'x-source': { repository: 'https://github.com/bigcommerce/docs', path: src.path, commit, committed: date } },
    servers: doc.servers,
    paths,
    components: sorted,
  });
  writeFileSync(join(outDir, src.out), `${JSON.stringify(out, null, 1)}\n`);
  console.log(`${src.out}: ${src.operations.length} operations, ${seen.size} components from ${src.path}@${commit.slice(0, 7)}`);
}
