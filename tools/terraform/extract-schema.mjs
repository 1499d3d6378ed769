#!/usr/bin/env node
// Extracts a trimmed schema of the hashicorp/google Terraform provider from the prebuilt CDKTF
// bindings (@cdktf/provider-google 16.12.1 = provider 6.50.0) and writes
// tools/terraform/google-provider-schema.json, which the offline checker (check.ts) reads.
//
// Why this exists: `terraform init/validate` cannot download providers on our dev machines, and
// the bindings package is ~307 MB, so it must never be a project dependency. This script installs it
// into a temporary directory, mines it, deletes it, and we commit the small JSON it produces.
//
// Usage:  npx node tools/terraform/extract-schema.mjs [--from <dir containing node_modules>] [--all]
//   --from  reuse an existing install instead of installing into a temp dir
//   --all   keep every resource/data type (~820 KB) instead of the ones we use + EXTRA_TYPES
//
// How the bindings encode the schema (measured, see shared/reference/emulators.md section 6):
//   - lib/<name>/index.js: `X.tfResourceType = "google_..."`; `class X extends cdktf.TerraformResource`
//     (or TerraformDataSource); `synthesizeHclAttributes()` and `function fooToHclTerraform(struct)`
//     list every argument with `isBlock`, and name the converter of each nested block;
//     getters `this.getStringAttribute('uri')` etc. name every readable attribute (incl. computed).
//   - lib/<name>/index.d.ts: the config interfaces say which arguments are required
//     (`readonly name: string` vs `readonly name?: string`).
/* global process, console */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PACKAGE = '@cdktf/provider-google@16.12.1';
export const PROVIDER_VERSION = '6.50.0';

/**
 * @typedef {{ required?: boolean }} AttributeSchema
 * @typedef {{ attributes: Record<string, AttributeSchema>, blocks: Record<string, NestedBlock> }} Block
 * @typedef {Block & { required?: boolean }} NestedBlock
 * @typedef {{ name: string, isBlock: boolean, converter: string | undefined, camel: string | undefined }} HclAttr
 * @typedef {'resource' | 'data'} Kind
 */

const here = dirname(fileURLToPath(import.meta.url));
const repoRoot = join(here, '..', '..');
const OUT = join(here, 'google-provider-schema.json');

/** Types kept besides those found in terraform/*.tf: likely next additions, so the checker knows them. */
/** @type {Record<Kind, string[]>} */
const EXTRA_TYPES = {
  resource: [
    'google_project_iam_member',
    'google_service_account_iam_member',
    'google_artifact_registry_repository_iam_member',
    'google_cloud_run_v2_job',
    'google_cloud_tasks_queue',
    'google_cloudbuild_trigger',
    'google_monitoring_notification_channel',
    'google_storage_bucket',
    'google_pubsub_topic_iam_binding',
    'google_secret_manager_secret_version',
  ],
  data: ['google_project', 'google_client_config', 'google_iam_policy', 'google_service_account', 'google_secret_manager_secret_version'],
};

/** @param {string[]} argv */
function parseArgs(argv) {
  /** @type {{ from: string | undefined, all: boolean }} */
  const opts = { from: undefined, all: false };
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--from') opts.from = argv[++i];
    else if (argv[i] === '--all') opts.all = true;
    else throw new Error(`unknown argument ${argv[i]}`);
  }
  return opts;
}

/** Types the Terraform config declares (`resource "t" "n"` / `data "t" "n"`). A regex is enough here. */
/** @param {string} dir @returns {Record<Kind, Set<string>>} */
function typesUsedIn(dir) {
  /** @type {Record<Kind, Set<string>>} */
  const used = { resource: new Set(), data: new Set() };
  if (!existsSync(dir)) return used;
  for (const f of readdirSync(dir).filter((n) => n.endsWith('.tf'))) {
    for (const m of readFileSync(join(dir, f), 'utf8').matchAll(/^\s*(resource|data)\s+"([a-z0-9_]+)"/gm)) used[/** @type {Kind} */ (m[1])].add(/** @type {string} */ (m[2]));
  }
  return used;
}

/** The text of `export interface NAME ... {` up to its closing brace at column 0. */
/** @param {string} dts @param {string} name */
function interfaceBody(dts, name) {
  const start = dts.search(new RegExp(`export interface ${name}( extends [^{]+)? \\{`));
  if (start < 0) return undefined;
  const end = dts.indexOf('\n}', start);
  return dts.slice(start, end);
}

/** camelCase property -> required? from a config interface. */
/** @param {string} dts @param {string} interfaceName */
function requiredProps(dts, interfaceName) {
  const body = interfaceBody(dts, interfaceName);
  /** @type {Map<string, boolean>} */
  const out = new Map();
  if (!body) return out;
  for (const m of body.matchAll(/^\s+readonly (\w+)(\?)?:/gm)) out.set(/** @type {string} */ (m[1]), m[2] !== '?');
  return out;
}

/** The interface a nested `xToHclTerraform(struct?: A | B)` converter takes. */
/** @param {string} dts @param {string} fnName */
function structInterfaceOf(dts, fnName) {
  const m = new RegExp(`export declare function ${fnName}\\(struct\\?: ([^)]+)\\)`).exec(dts);
  if (!m) return undefined;
  const candidates = /** @type {string} */ (m[1]).split('|').map((s) => s.trim()).filter((s) => !s.startsWith('cdktf.') && !s.endsWith('OutputReference'));
  return candidates.find((c) => interfaceBody(dts, c) !== undefined);
}

const ATTR_RE = /(\w+): \{\s*value: ([^\n]*),\s*isBlock: (true|false),\s*type: "(\w+)",\s*storageClassType: "(\w+)",\s*\}/g;

/** Arguments of one `const attrs = {...}` section: name, isBlock, converter of the nested block, camel name. */
/** @param {string} section */
function attrsIn(section) {
  /** @type {HclAttr[]} */
  const out = [];
  for (const m of section.matchAll(ATTR_RE)) {
    const [, name = '', value = '', isBlock] = m;
    const converter = /(?<!cdktf\.)\b([a-z]\w*ToHclTerraform)\b/.exec(value.replace(/cdktf\.\w+ToHclTerraform/g, ''))?.[1];
    const camel = /(?:struct|this)!?\.(?:_)?([A-Za-z0-9]+)/.exec(value)?.[1];
    out.push({ name, isBlock: isBlock === 'true', converter, camel });
  }
  return out;
}

/** @param {string} js @param {string} fnName */
function functionSection(js, fnName) {
  const start = js.indexOf(`function ${fnName}(struct) {`);
  if (start < 0) return undefined;
  const end = js.indexOf('\n}\n', start);
  return js.slice(start, end);
}

/** A block schema: { attributes: {name: {required?}}, blocks: {name: {required?, ...block}} }. */
/**
 * @param {string} js @param {string} dts @param {HclAttr[]} attrs
 * @param {Map<string, boolean>} requiredByCamel @param {number} depth
 * @returns {Block}
 */
function buildBlock(js, dts, attrs, requiredByCamel, depth) {
  /** @type {Block} */
  const block = { attributes: {}, blocks: {} };
  for (const a of attrs) {
    const required = a.camel ? requiredByCamel.get(a.camel) === true : false;
    if (!a.isBlock) {
      block.attributes[a.name] = required ? { required: true } : {};
      continue;
    }
    /** @type {Block} */
    let nested = { attributes: {}, blocks: {} };
    if (a.converter && depth < 12) {
      const section = functionSection(js, a.converter);
      const iface = structInterfaceOf(dts, a.converter);
      if (section) nested = buildBlock(js, dts, attrsIn(section), iface ? requiredProps(dts, iface) : /** @type {Map<string, boolean>} */ (new Map()), depth + 1);
    }
    block.blocks[a.name] = required ? { required: true, ...nested } : nested;
  }
  return block;
}

/** @param {string} js @param {string} dts */
function extractType(js, dts) {
  const typeMatch = /^(\w+)\.tfResourceType = "([a-z0-9_]+)";/m.exec(js);
  if (!typeMatch) return undefined;
  const [, className = '', tfType = ''] = typeMatch;
  const classStart = js.search(new RegExp(`^class ${className} extends cdktf\\.(TerraformResource|TerraformDataSource) \\{`, 'm'));
  if (classStart < 0) return undefined;
  /** @type {Kind} */
  const kind = js.slice(classStart, classStart + 200).includes('TerraformDataSource') ? 'data' : 'resource';
  const classBody = js.slice(classStart, js.indexOf(`exports.${className} = ${className};`, classStart));
  const synth = classBody.slice(classBody.indexOf('synthesizeHclAttributes() {'));
  const top = buildBlock(js, dts, attrsIn(synth), requiredProps(dts, `${className}Config`), 0);
  /** @type {Set<string>} */
  const readable = new Set();
  for (const m of classBody.matchAll(/this\.get\w*Attribute\('(\w+)'\)/g)) readable.add(/** @type {string} */ (m[1]));
  for (const m of classBody.matchAll(/new [\w.]+\(this, "(\w+)"/g)) readable.add(/** @type {string} */ (m[1]));
  const computed = [...readable].filter((n) => !(n in top.attributes) && !(n in top.blocks)).sort();
  return { kind, tfType, schema: { ...top, computed } };
}

/** @param {unknown} v @returns {unknown} */
function sortKeys(v) {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v && typeof v === 'object') {
    const o = /** @type {Record<string, unknown>} */ (v);
    return Object.fromEntries(Object.keys(o).sort().map((k) => [k, sortKeys(o[k])]));
  }
  return v;
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  let installDir = opts.from;
  /** @type {string | undefined} */
  let tempDir;
  if (!installDir) {
    tempDir = mkdtempSync(join(tmpdir(), 'cdktf-provider-google-'));
    writeFileSync(join(tempDir, 'package.json'), JSON.stringify({ name: 'schema-extract', private: true }));
    console.error(`installing ${PACKAGE} into ${tempDir} (~307 MB, temporary) ...`);
    execFileSync('npm', ['install', '--no-save', '--ignore-scripts', '--no-audit', '--no-fund', '--loglevel=error', PACKAGE], { cwd: tempDir, stdio: 'inherit' });
    installDir = tempDir;
  }
  try {
    const lib = join(installDir, 'node_modules', '@cdktf', 'provider-google', 'lib');
    /** @type {{ name: string, version: string }} */
    const pkg = JSON.parse(readFileSync(join(installDir, 'node_modules', '@cdktf', 'provider-google', 'package.json'), 'utf8')); // eslint-disable-line @typescript-eslint/no-unsafe-assignment -- JSON of a known package
    const used = typesUsedIn(join(repoRoot, 'terraform'));
    /** @type {Record<Kind, Set<string>>} */
    const wanted = {
      resource: new Set([...used.resource, ...EXTRA_TYPES.resource]),
      data: new Set([...used.data, ...EXTRA_TYPES.data]),
    };
    /** @type {Record<Kind, Record<string, Block & { computed: string[] }>>} */
    const out = { resource: {}, data: {} };
    let scanned = 0;
    for (const dir of readdirSync(lib)) {
      const jsPath = join(lib, dir, 'index.js');
      if (!existsSync(jsPath)) continue;
      const js = readFileSync(jsPath, 'utf8');
      const head = /^(\w+)\.tfResourceType = "([a-z0-9_]+)";/m.exec(js);
      if (!head) continue;
      scanned++;
      const kind = /extends cdktf\.TerraformDataSource \{/.test(js) ? 'data' : 'resource';
      if (!opts.all && !wanted[kind].has(/** @type {string} */ (head[2]))) continue;
      const t = extractType(js, readFileSync(join(lib, dir, 'index.d.ts'), 'utf8'));
      if (t) out[t.kind][t.tfType] = t.schema;
    }
    const missing = [...wanted.resource].filter((t) => !out.resource[t]).concat([...wanted.data].filter((t) => !out.data[t]).map((t) => `data.${t}`));
    if (missing.length) console.error(`WARNING: not in ${PACKAGE}: ${missing.join(', ')}`);
    const doc = {
      header: `Trimmed schema of the hashicorp/google Terraform provider ${PROVIDER_VERSION}, extracted from ${pkg.name}@${pkg.version} by tools/terraform/extract-schema.mjs. Generated file: do not edit, re-run the script. Types: those used in terraform/*.tf plus a few extras.`,
      provider: 'registry.terraform.io/hashicorp/google',
      providerVersion: PROVIDER_VERSION,
      source: `${pkg.name}@${pkg.version}`,
      resource: sortKeys(out.resource),
      data: sortKeys(out.data),
    };
    writeFileSync(OUT, `${JSON.stringify(doc, null, 1)}\n`);
    console.error(`scanned ${scanned} types; wrote ${Object.keys(out.resource).length} resources + ${Object.keys(out.data).length} data sources to ${OUT}`);
  } finally {
    if (tempDir) rmSync(tempDir, { recursive: true, force: true });
  }
}

main();
