// Offline Terraform checker: what `terraform validate` would catch that needs no provider binary.
// `terraform init` cannot download providers here, so this checks terraform/*.tf against a schema
// extracted from the google provider 6.50.0 bindings (google-provider-schema.json, written by
// extract-schema.mjs). It parses with HashiCorp's HCL parser (@cdktf/hcl2json) and reports:
//   - syntax errors; duplicate declarations;
//   - unknown resource/data types; unknown arguments or nested blocks at any depth;
//   - a block written as an attribute (`x = {...}`) or an attribute written as a block (`x {...}`);
//   - missing required arguments and blocks, nested ones included (a `dynamic` block counts);
//   - references (`var.*`, `local.*`, `TYPE.NAME.attr`, `data.TYPE.NAME.attr`, `module.*`) that do
//     not resolve, including attributes a resource does not export;
//   - house style: every variable has a type and a description, every output a description;
//   - deadlines: every Cloud Scheduler job's `attempt_deadline` is within the Cloud Run service's
//     request `timeout` (a longer deadline only makes Scheduler wait for a request Cloud Run has
//     already cut off with a 504, then retry it while the first run may still be going). Values are
//     resolved from literals, variable defaults and `for_each` maps in locals; one that cannot be
//     resolved is a problem too, so the check cannot silently pass.
// Not checked (documented limits): value types and enums, block counts, attributes deeper than the
// first level of a reference, modules' contents, provider >= 7 changes. A real `terraform validate`
// still has to run where providers can be downloaded (CI, an operator's machine).
//
// CLI: npx node tools/terraform/check.ts [dir]   (default: terraform/; exit 1 when problems)
import { readFileSync, readdirSync } from 'node:fs';
import { join, basename, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse, getReferencesInExpression } from '@cdktf/hcl2json';
import { z } from 'zod';

export const TF_PROBLEM_CODES = [
  'TF_SYNTAX',
  'TF_DUPLICATE',
  'TF_UNKNOWN_TYPE',
  'TF_UNKNOWN_ARGUMENT',
  'TF_BLOCK_AS_ATTRIBUTE',
  'TF_ATTRIBUTE_AS_BLOCK',
  'TF_MISSING_REQUIRED',
  'TF_UNDECLARED_REFERENCE',
  'TF_UNKNOWN_ATTRIBUTE',
  'TF_STYLE',
  'TF_DEADLINE',
] as const;
export type TfProblemCode = (typeof TF_PROBLEM_CODES)[number];

export interface TerraformProblem {
  code: TfProblemCode;
  file: string;
  /** Terraform address of the enclosing declaration, e.g. `google_pubsub_subscription.push`. */
  address: string;
  /** Path inside it, e.g. `push_config.oidc_token.service_account_email`. */
  path: string;
  message: string;
}

export interface BlockSchema {
  attributes: Record<string, { required?: boolean }>;
  blocks: Record<string, NestedBlockSchema>;
}
export interface NestedBlockSchema extends BlockSchema {
  required?: boolean;
}
export interface TypeSchema extends BlockSchema {
  /** Read-only attributes (not arguments) a reference may use, e.g. `uri`, `email`. */
  computed: string[];
}

const AttributeSchema = z.object({ required: z.boolean().optional() });
const NestedBlockSchemaSchema: z.ZodType<NestedBlockSchema> = z.lazy(() =>
  z.object({
    required: z.boolean().optional(),
    attributes: z.record(z.string(), AttributeSchema),
    blocks: z.record(z.string(), NestedBlockSchemaSchema),
  }),
);
const TypeSchemaSchema = z.object({
  attributes: z.record(z.string(), AttributeSchema),
  blocks: z.record(z.string(), NestedBlockSchemaSchema),
  computed: z.array(z.string()),
});
export const ProviderSchemaSchema = z.object({
  header: z.string(),
  providerVersion: z.string(),
  source: z.string(),
  resource: z.record(z.string(), TypeSchemaSchema),
  data: z.record(z.string(), TypeSchemaSchema),
});
export type ProviderSchema = z.infer<typeof ProviderSchemaSchema>;

export const DEFAULT_SCHEMA_FILE = fileURLToPath(new URL('./google-provider-schema.json', import.meta.url));

export function loadProviderSchema(file: string = DEFAULT_SCHEMA_FILE): ProviderSchema {
  return ProviderSchemaSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
}

/** Arguments every resource/data block accepts besides its schema (Terraform meta-arguments). */
const META_ARGUMENTS = new Set(['count', 'for_each', 'depends_on', 'provider', 'lifecycle', 'provisioner', 'connection']);
/** Reference roots that are not declarations. */
const BUILTIN_ROOTS = new Set(['each', 'count', 'path', 'self', 'terraform']);

type HclObject = Record<string, unknown>;
const isObject = (v: unknown): v is HclObject => typeof v === 'object' && v !== null && !Array.isArray(v);
const isBlockList = (v: unknown): v is HclObject[] => Array.isArray(v) && v.length > 0 && v.every(isObject);

interface Declarations {
  variables: Set<string>;
  locals: Set<string>;
  resources: Map<string, string>; // "type.name" -> type
  data: Map<string, string>;
  modules: Set<string>;
}

interface Expression {
  file: string;
  address: string;
  path: string;
  text: string;
  /** Names bound by enclosing `dynamic` blocks (their iterator), valid only inside them. */
  scope: ReadonlySet<string>;
}

interface Context {
  schema: ProviderSchema;
  problems: TerraformProblem[];
  expressions: Expression[];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const tmp = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = tmp;
    }
  }
  return row[b.length]!;
}

function suggestion(name: string, candidates: Iterable<string>): string {
  let best: string | undefined;
  let bestD = Infinity;
  for (const c of candidates) {
    // A truncated or over-long name (`ack_deadline` for `ack_deadline_seconds`) counts as close.
    const d = c.startsWith(name) || name.startsWith(c) ? 1 : editDistance(name, c);
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best !== undefined && bestD <= Math.max(2, Math.floor(name.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

/** Every string inside a parsed value that contains an interpolation, with its path. */
function collectExpressions(value: unknown, path: string, base: Omit<Expression, 'path' | 'text'>, out: Expression[]): void {
  if (typeof value === 'string') {
    if (value.includes('${') || value.includes('%{')) out.push({ ...base, path, text: value });
  } else if (Array.isArray(value)) {
    value.forEach((v, i) => collectExpressions(v, `${path}[${i}]`, base, out));
  } else if (isObject(value)) {
    for (const [k, v] of Object.entries(value)) collectExpressions(v, path ? `${path}.${k}` : k, base, out);
  }
}

function checkBody(ctx: Context, body: HclObject, schema: BlockSchema, where: { file: string; address: string; path: string }, scope: ReadonlySet<string>, topLevel: boolean): void {
  const at = (name: string) => (where.path ? `${where.path}.${name}` : name);
  const problem = (code: TfProblemCode, path: string, message: string) => ctx.problems.push({ code, file: where.file, address: where.address, path, message });
  const present = new Set<string>();

  for (const [name, value] of Object.entries(body)) {
    if (topLevel && META_ARGUMENTS.has(name)) {
      // lifecycle.ignore_changes and replace_triggered_by hold relative paths, not references.
      if (name !== 'lifecycle' && name !== 'provisioner' && name !== 'connection') {
        collectExpressions(value, at(name), { file: where.file, address: where.address, scope }, ctx.expressions);
      }
      continue;
    }
    if (name === 'dynamic' && isObject(value)) {
      for (const [label, specs] of Object.entries(value)) {
        const nested = schema.blocks[label];
        if (!nested) {
          const why = label in schema.attributes ? 'TF_ATTRIBUTE_AS_BLOCK' : 'TF_UNKNOWN_ARGUMENT';
          problem(why, at(label), why === 'TF_ATTRIBUTE_AS_BLOCK' ? `"${label}" is an attribute, not a block: it cannot be dynamic` : `unknown block "${label}"${suggestion(label, Object.keys(schema.blocks))}`);
          continue;
        }
        present.add(label);
        for (const spec of Array.isArray(specs) ? specs : []) {
          if (!isObject(spec)) continue;
          // The parser returns `iterator = t` as the expression string "${t}".
          const iterator = typeof spec.iterator === 'string' ? spec.iterator.replace(/^\$\{(.*)\}$/, '$1').trim() : label;
          collectExpressions(spec.for_each, at(`dynamic.${label}.for_each`), { file: where.file, address: where.address, scope }, ctx.expressions);
          const inner = new Set(scope).add(iterator);
          for (const content of Array.isArray(spec.content) ? spec.content : []) {
            if (isObject(content)) checkBody(ctx, content, nested, { ...where, path: at(label) }, inner, false);
          }
        }
      }
      continue;
    }
    if (name in schema.attributes) {
      present.add(name);
      if (isBlockList(value)) problem('TF_ATTRIBUTE_AS_BLOCK', at(name), `"${name}" is an attribute: write \`${name} = ...\`, not a block`);
      collectExpressions(value, at(name), { file: where.file, address: where.address, scope }, ctx.expressions);
      continue;
    }
    const nested = schema.blocks[name];
    if (nested) {
      present.add(name);
      if (!isBlockList(value)) {
        problem('TF_BLOCK_AS_ATTRIBUTE', at(name), `"${name}" is a block: write \`${name} { ... }\`, not \`${name} = ...\``);
        continue;
      }
      for (const item of value) checkBody(ctx, item, nested, { ...where, path: at(name) }, scope, false);
      continue;
    }
    const computed = 'computed' in schema && Array.isArray(schema.computed) && (schema.computed as string[]).includes(name);
    problem(
      'TF_UNKNOWN_ARGUMENT',
      at(name),
      computed ? `"${name}" is read-only (computed) and cannot be set` : `unknown argument "${name}"${suggestion(name, [...Object.keys(schema.attributes), ...Object.keys(schema.blocks)])}`,
    );
  }

  for (const [name, a] of Object.entries(schema.attributes)) {
    if (a.required && !present.has(name)) problem('TF_MISSING_REQUIRED', at(name), `required argument "${name}" is missing`);
  }
  for (const [name, b] of Object.entries(schema.blocks)) {
    if (b.required && !present.has(name)) problem('TF_MISSING_REQUIRED', at(name), `required block "${name}" is missing`);
  }
}

function typeAttributes(t: TypeSchema): Set<string> {
  return new Set(['id', ...Object.keys(t.attributes), ...Object.keys(t.blocks), ...t.computed]);
}

function checkReference(ctx: Context, decl: Declarations, e: Expression, ref: string): void {
  // `a.b[0].c` arrives as `a.b.0.c`; indexes and splats do not change what must be declared.
  const parts = ref.split('.').filter((p) => p !== '' && p !== '*' && !/^\d+$/.test(p));
  const root = parts[0];
  if (root === undefined || BUILTIN_ROOTS.has(root) || e.scope.has(root)) return;
  const problem = (code: TfProblemCode, message: string) => ctx.problems.push({ code, file: e.file, address: e.address, path: e.path, message });
  const attrCheck = (kind: 'resource' | 'data', type: string, address: string, attr: string | undefined) => {
    const t = ctx.schema[kind][type];
    if (!t || attr === undefined) return; // unknown types are reported where they are declared
    const known = typeAttributes(t);
    if (!known.has(attr)) problem('TF_UNKNOWN_ATTRIBUTE', `${address} has no attribute "${attr}"${suggestion(attr, known)}`);
  };
  switch (root) {
    case 'var':
      if (parts[1] === undefined || !decl.variables.has(parts[1])) problem('TF_UNDECLARED_REFERENCE', `variable "${parts[1] ?? ''}" is not declared${suggestion(parts[1] ?? '', decl.variables)}`);
      return;
    case 'local':
      if (parts[1] === undefined || !decl.locals.has(parts[1])) problem('TF_UNDECLARED_REFERENCE', `local "${parts[1] ?? ''}" is not declared${suggestion(parts[1] ?? '', decl.locals)}`);
      return;
    case 'module':
      if (parts[1] === undefined || !decl.modules.has(parts[1])) problem('TF_UNDECLARED_REFERENCE', `module "${parts[1] ?? ''}" is not declared`);
      return;
    case 'data': {
      const address = `${parts[1] ?? ''}.${parts[2] ?? ''}`;
      const type = decl.data.get(address);
      if (type === undefined) problem('TF_UNDECLARED_REFERENCE', `data source "data.${address}" is not declared${suggestion(address, decl.data.keys())}`);
      else attrCheck('data', type, `data.${address}`, parts[3]);
      return;
    }
    default: {
      const address = `${root}.${parts[1] ?? ''}`;
      const type = decl.resources.get(address);
      if (type === undefined) problem('TF_UNDECLARED_REFERENCE', `"${parts.slice(0, 2).join('.')}" is not a declared resource, variable or local${suggestion(address, decl.resources.keys())}`);
      else attrCheck('resource', type, address, parts[2]);
    }
  }
}

/**
 * The `${...}` / `%{...}` parts of a parsed string. The parser hands back template strings with
 * their quotes unescaped, so the whole string is no longer valid HCL; each interpolation is.
 */
export function interpolations(text: string): string[] {
  const out: string[] = [];
  for (let i = 0; i < text.length - 1; i++) {
    if ((text[i] !== '$' && text[i] !== '%') || text[i + 1] !== '{') continue;
    if (i > 0 && text[i - 1] === text[i]) continue; // `$${` / `%%{` are literal
    let depth = 1;
    let inString = false;
    let j = i + 2;
    for (; j < text.length && depth > 0; j++) {
      const c = text[j];
      if (inString) {
        if (c === '\\') j++;
        else if (c === '"') inString = false;
      } else if (c === '"') inString = true;
      else if (c === '{') depth++;
      else if (c === '}') depth--;
    }
    out.push(text.slice(i + 2, j - 1));
    i = j - 1;
  }
  return out;
}

interface ParsedFile {
  file: string;
  json: HclObject;
}

async function parseFiles(dir: string, problems: TerraformProblem[]): Promise<ParsedFile[]> {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.tf'))
    .sort();
  const parsed: ParsedFile[] = [];
  for (const f of files) {
    try {
      const json = (await parse(f, readFileSync(join(dir, f), 'utf8'))) as HclObject;
      parsed.push({ file: f, json });
    } catch (err) {
      problems.push({ code: 'TF_SYNTAX', file: f, address: '', path: '', message: err instanceof Error ? err.message : String(err) });
    }
  }
  return parsed;
}

/** Entries of a `{ label: [body, ...] }` section (variable, output, module). */
function labelled(section: unknown): [string, HclObject][] {
  if (!isObject(section)) return [];
  return Object.entries(section).flatMap(([name, bodies]) => (Array.isArray(bodies) ? bodies.filter(isObject).map((b) => [name, b] as [string, HclObject]) : []));
}

/** Entries of a `{ type: { name: [body] } }` section (resource, data). */
function typed(section: unknown): [string, string, HclObject][] {
  if (!isObject(section)) return [];
  return Object.entries(section).flatMap(([type, byName]) => labelled(byName).map(([name, body]) => [type, name, body] as [string, string, HclObject]));
}

/**
 * Checks every `*.tf` file directly in `dir` (one Terraform module) and returns the problems
 * found, in file order. An empty array means the configuration passed every check above.
 */
export async function checkTerraform(dir: string, opts: { schema?: ProviderSchema } = {}): Promise<TerraformProblem[]> {
  const schema = opts.schema ?? loadProviderSchema();
  const ctx: Context = { schema, problems: [], expressions: [] };
  const files = await parseFiles(dir, ctx.problems);
  const decl: Declarations = { variables: new Set(), locals: new Set(), resources: new Map(), data: new Map(), modules: new Set() };
  const seen = new Map<string, string>();
  const declare = (address: string, file: string) => {
    const first = seen.get(address);
    if (first !== undefined) ctx.problems.push({ code: 'TF_DUPLICATE', file, address, path: '', message: `${address} is already declared in ${first}` });
    else seen.set(address, file);
  };

  for (const { file, json } of files) {
    for (const [name] of labelled(json.variable)) {
      declare(`var.${name}`, file);
      decl.variables.add(name);
    }
    for (const block of Array.isArray(json.locals) ? json.locals.filter(isObject) : []) {
      for (const name of Object.keys(block)) {
        declare(`local.${name}`, file);
        decl.locals.add(name);
      }
    }
    for (const [name] of labelled(json.module)) {
      declare(`module.${name}`, file);
      decl.modules.add(name);
    }
    for (const [name] of labelled(json.output)) declare(`output.${name}`, file);
    for (const [type, name] of typed(json.resource)) {
      declare(`${type}.${name}`, file);
      decl.resources.set(`${type}.${name}`, type);
    }
    for (const [type, name] of typed(json.data)) {
      declare(`data.${type}.${name}`, file);
      decl.data.set(`${type}.${name}`, type);
    }
  }

  const none: ReadonlySet<string> = new Set();
  for (const { file, json } of files) {
    for (const [kind, section] of [['resource', json.resource] as const, ['data', json.data] as const]) {
      for (const [type, name, body] of typed(section)) {
        const address = kind === 'data' ? `data.${type}.${name}` : `${type}.${name}`;
        const t = schema[kind][type];
        if (!t) {
          ctx.problems.push({
            code: 'TF_UNKNOWN_TYPE',
            file,
            address,
            path: '',
            message: `unknown ${kind === 'data' ? 'data source' : 'resource'} type "${type}"${suggestion(type, Object.keys(schema[kind]))} (not in google provider ${schema.providerVersion}; if it is real, add it to EXTRA_TYPES in extract-schema.mjs and re-run it)`,
          });
          collectExpressions(body, '', { file, address, scope: none }, ctx.expressions);
          continue;
        }
        checkBody(ctx, body, t, { file, address, path: '' }, none, true);
      }
    }
    for (const [name, body] of labelled(json.variable)) {
      const address = `var.${name}`;
      if (!('type' in body)) ctx.problems.push({ code: 'TF_STYLE', file, address, path: 'type', message: `variable "${name}" has no type` });
      if (typeof body.description !== 'string' || body.description.trim() === '') ctx.problems.push({ code: 'TF_STYLE', file, address, path: 'description', message: `variable "${name}" has no description` });
      // `type` holds a type constraint, not an expression.
      const { type: _type, ...rest } = body;
      collectExpressions(rest, '', { file, address, scope: none }, ctx.expressions);
    }
    for (const [name, body] of labelled(json.output)) {
      const address = `output.${name}`;
      if (!('value' in body)) ctx.problems.push({ code: 'TF_MISSING_REQUIRED', file, address, path: 'value', message: `output "${name}" has no value` });
      if (typeof body.description !== 'string' || body.description.trim() === '') ctx.problems.push({ code: 'TF_STYLE', file, address, path: 'description', message: `output "${name}" has no description` });
      collectExpressions(body, '', { file, address, scope: none }, ctx.expressions);
    }
    for (const block of Array.isArray(json.locals) ? json.locals.filter(isObject) : []) {
      for (const [name, value] of Object.entries(block)) collectExpressions(value, '', { file, address: `local.${name}`, scope: none }, ctx.expressions);
    }
    for (const [name, body] of labelled(json.module)) collectExpressions(body, '', { file, address: `module.${name}`, scope: none }, ctx.expressions);
    for (const [name, body] of labelled(json.provider)) collectExpressions(body, '', { file, address: `provider.${name}`, scope: none }, ctx.expressions);
  }

  for (const e of ctx.expressions) {
    for (const inner of interpolations(e.text)) {
      // `%{ if cond }` / `%{ for x in xs }` directives: only their expression part holds references.
      const expr = inner.trim().replace(/^(if|else|endif|endfor)\b|^for\s+[\w\s,]+\s+in\b/, '').replace(/~$/, '');
      if (expr.trim() === '') continue;
      let refs: { value: string }[];
      try {
        refs = await getReferencesInExpression(e.file, `\${${expr}}`);
      } catch (err) {
        ctx.problems.push({ code: 'TF_SYNTAX', file: e.file, address: e.address, path: e.path, message: `cannot parse expression: ${err instanceof Error ? err.message : String(err)}` });
        continue;
      }
      for (const r of refs) checkReference(ctx, decl, e, r.value);
    }
  }

  ctx.problems.push(...checkDeadlines(files));

  const order = new Map(files.map((f, i) => [f.file, i]));
  return ctx.problems.sort((a, b) => (order.get(a.file) ?? -1) - (order.get(b.file) ?? -1));
}

/** `"900s"`, `"1.5s"`, `900` -> seconds; anything else -> undefined. */
export function durationSeconds(v: unknown): number | undefined {
  if (typeof v === 'number' && Number.isFinite(v)) return v;
  if (typeof v !== 'string') return undefined;
  const m = /^(\d+(?:\.\d+)?)s$/.exec(v.trim());
  return m ? Number(m[1]) : undefined;
}

/**
 * Scheduler `attempt_deadline` <= Cloud Run `template.timeout`, for every job whose `http_target.uri`
 * points at a Cloud Run service of this module.
 * Resolves `${var.x}` (the variable's default), `${each.value.k}` (each entry of a `for_each` that is
 * `${local.m}`), and literals.
 */
function checkDeadlines(files: ParsedFile[]): TerraformProblem[] {
  const problems: TerraformProblem[] = [];
  const defaults = new Map<string, unknown>();
  const locals = new Map<string, unknown>();
  for (const { json } of files) {
    for (const [name, body] of labelled(json.variable)) defaults.set(name, body.default);
    for (const block of Array.isArray(json.locals) ? json.locals.filter(isObject) : []) for (const [k, v] of Object.entries(block)) locals.set(k, v);
  }
  /** A string value with `${var.x}` replaced by the variable's default; undefined if anything else is interpolated. */
  const withDefaults = (v: unknown): unknown => {
    if (typeof v !== 'string') return v;
    let unresolved = false;
    const out = v.replace(/\$\{\s*var\.([A-Za-z0-9_-]+)\s*\}/g, (_m, name: string) => {
      const d = defaults.get(name);
      if (typeof d !== 'number' && typeof d !== 'string') unresolved = true;
      return String(d);
    });
    return unresolved || out.includes('${') ? undefined : out;
  };

  const timeouts = new Map<string, number>();
  const jobs: { address: string; file: string; service: string | undefined; raw: unknown }[] = [];
  for (const { file, json } of files) {
    for (const [type, name, body] of typed(json.resource)) {
      const address = `${type}.${name}`;
      if (type === 'google_cloud_run_v2_service') {
        const template = Array.isArray(body.template) && isObject(body.template[0]) ? body.template[0] : undefined;
        // Cloud Run's default request timeout is 300 s.
        const seconds = template?.timeout === undefined ? 300 : durationSeconds(withDefaults(template.timeout));
        if (seconds === undefined) problems.push({ code: 'TF_DEADLINE', file, address, path: 'template.timeout', message: `cannot resolve the request timeout ${JSON.stringify(template?.timeout)} to seconds` });
        else timeouts.set(address, seconds);
      }
      if (type === 'google_cloud_scheduler_job') {
        // The service the job calls: `uri = "${google_cloud_run_v2_service.NAME.uri}/path"`.
        const target = Array.isArray(body.http_target) && isObject(body.http_target[0]) ? body.http_target[0].uri : undefined;
        const service = typeof target === 'string' ? /\$\{\s*(google_cloud_run_v2_service\.[A-Za-z0-9_-]+)\.uri\s*\}/.exec(target)?.[1] : undefined;
        const each = /^\$\{\s*each\.value\.([A-Za-z0-9_-]+)\s*\}$/.exec(typeof body.attempt_deadline === 'string' ? body.attempt_deadline : '');
        const forEach = /^\$\{\s*local\.([A-Za-z0-9_-]+)\s*\}$/.exec(typeof body.for_each === 'string' ? body.for_each : '');
        if (each && forEach) {
          const map = locals.get(forEach[1]!);
          if (!isObject(map)) {
            problems.push({ code: 'TF_DEADLINE', file, address, path: 'attempt_deadline', message: `cannot resolve local.${forEach[1]!} to a map of jobs` });
            continue;
          }
          for (const [key, entry] of Object.entries(map)) jobs.push({ address: `${address}["${key}"]`, file, service, raw: isObject(entry) ? entry[each[1]!] : undefined });
        } else {
          // Cloud Scheduler's default attempt deadline for HTTP targets is 180 s.
          jobs.push({ address, file, service, raw: body.attempt_deadline ?? '180s' });
        }
      }
    }
  }
  for (const j of jobs) {
    // Only jobs that call a Cloud Run service of this module; its timeout is the limit.
    const limit = j.service === undefined ? undefined : timeouts.get(j.service);
    const seconds = durationSeconds(withDefaults(j.raw));
    if (seconds === undefined) {
      problems.push({ code: 'TF_DEADLINE', file: j.file, address: j.address, path: 'attempt_deadline', message: `cannot resolve the attempt deadline ${JSON.stringify(j.raw)} to seconds` });
    } else if (limit !== undefined && seconds > limit) {
      problems.push({ code: 'TF_DEADLINE', file: j.file, address: j.address, path: 'attempt_deadline', message: `attempt deadline ${seconds}s is longer than the Cloud Run request timeout ${limit}s of ${j.service!}` });
    }
  }
  return problems;
}

export function formatProblem(p: TerraformProblem): string {
  const where = [p.address, p.path].filter(Boolean).join(' ');
  return `${p.file}: ${p.code}${where ? ` ${where}` : ''}: ${p.message}`;
}

async function main(argv: string[]): Promise<number> {
  const dir = resolve(argv[0] ?? join(fileURLToPath(new URL('.', import.meta.url)), '..', '..', 'terraform'));
  const schema = loadProviderSchema();
  const problems = await checkTerraform(dir, { schema });
  for (const p of problems) console.log(formatProblem(p));
  console.log(`${basename(dir)}/: ${problems.length} problem(s) (schema: google provider ${schema.providerVersion})`);
  return problems.length === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(2);
    },
  );
}
