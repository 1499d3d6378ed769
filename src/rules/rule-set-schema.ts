import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { AppError, ErrorCode } from '../errors.ts';
import { parseIsoDateMs } from './parse-iso-date.ts';

/**
 * The "Automated Categories" rule set: which products belong in which categories.
 *
 * ```json
 * {"rules":[{"name":"on-sale","categoryId":50,"when":{"field":"sale_price","op":"gt","value":0}}]}
 * ```
 *
 * Single-store deployments read it from the JSON file named by CATEGORY_RULES_FILE; per-store rule
 * sets are the same object stored in Firestore. Both go through {@link parseRuleSet}.
 *
 * Contract (see README.md in this folder for the full semantics):
 * - A category named by some rule is MANAGED: products are added when a rule for it matches and
 *   removed when none does. Categories no rule names are never touched.
 * - Several rules may name the same category: a product belongs if ANY of them matches.
 * - Rule names are unique (they appear in logs and error messages).
 * - A condition on `categories` may not mention a managed category: a rule that reads what the
 *   rules write could flip a product in and out on every update, and each of our writes fires
 *   `store/product/updated` again.
 */

export const CONDITION_OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists', 'within_days'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];

/** Prefix of a field path that reads a product custom field by name: `custom_fields.Brand`. */
export const CUSTOM_FIELD_PREFIX = 'custom_fields.';
/** Deepest JSON nesting accepted, checked before validation so hostile input cannot exhaust the stack. */
export const MAX_RULES_JSON_DEPTH = 64;

const OPS_LIST = CONDITION_OPS.join(', ');
const FIELD_NAME = /^(?:[a-z][a-z0-9_]*|custom_fields\..+)$/s;

const FieldSchema = z
  .string({ error: 'must be a string' })
  .max(300, { error: 'must be at most 300 characters' })
  .regex(FIELD_NAME, { error: 'must be a snake_case product field (e.g. sale_price) or custom_fields.<name>' });
const ScalarSchema = z.union([z.string(), z.number(), z.boolean()], { error: 'must be a string, number or boolean' });
const ORDERED_VALUE_MESSAGE = 'must be a number or an ISO-8601 date string (e.g. 2024-01-31 or 2024-01-31T00:00:00Z)';
const OrderedValueSchema = z.union([z.number(), z.string().refine((s) => parseIsoDateMs(s) !== undefined, { error: ORDERED_VALUE_MESSAGE })], {
  error: ORDERED_VALUE_MESSAGE,
});

export const ScalarConditionSchema = z.strictObject({ field: FieldSchema, op: z.enum(['eq', 'neq', 'contains']), value: ScalarSchema });
export const OrderedConditionSchema = z.strictObject({ field: FieldSchema, op: z.enum(['gt', 'gte', 'lt', 'lte']), value: OrderedValueSchema });
export const InConditionSchema = z.strictObject({
  field: FieldSchema,
  op: z.literal('in'),
  value: z.array(ScalarSchema, { error: 'must be an array of strings, numbers or booleans' }).min(1, { error: 'must list at least one value' }),
});
export const ExistsConditionSchema = z.strictObject({
  field: FieldSchema,
  op: z.literal('exists'),
  value: z.boolean({ error: 'must be true or false (or left out, meaning true)' }).optional(),
});
export const WithinDaysConditionSchema = z.strictObject({
  field: FieldSchema,
  op: z.literal('within_days'),
  value: z.number({ error: 'must be a number of days' }).positive({ error: 'must be a positive number of days' }),
});
export const FieldConditionSchema = z.union([ScalarConditionSchema, OrderedConditionSchema, InConditionSchema, ExistsConditionSchema, WithinDaysConditionSchema]);
export type FieldCondition = z.infer<typeof FieldConditionSchema>;

/** Recursive, so written out by hand; ConditionSchema produces exactly this. */
export type Condition = FieldCondition | { all: Condition[] } | { any: Condition[] } | { not: Condition };

const LEAF_SCHEMAS: Record<ConditionOp, z.ZodType<FieldCondition>> = {
  eq: ScalarConditionSchema,
  neq: ScalarConditionSchema,
  contains: ScalarConditionSchema,
  gt: OrderedConditionSchema,
  gte: OrderedConditionSchema,
  lt: OrderedConditionSchema,
  lte: OrderedConditionSchema,
  in: InConditionSchema,
  exists: ExistsConditionSchema,
  within_days: WithinDaysConditionSchema,
};
const isOp = (v: unknown): v is ConditionOp => typeof v === 'string' && (CONDITION_OPS as readonly string[]).includes(v);
const GROUP_KEYS = ['all', 'any', 'not'] as const;
const CONDITION_SHAPE = 'must be a condition: {"field","op","value"} or exactly one of {"all":[...]}, {"any":[...]}, {"not":{...}}';

/**
 * A condition, recursive through `all` / `any` / `not`. The shape is chosen from the keys present
 * (`field`/`op` → a field test, otherwise the one group key) and only that shape's problems are
 * reported, so a typo deep inside a group yields one precise message instead of a union dump.
 */
export const ConditionSchema: z.ZodType<Condition> = z.unknown().transform((input, ctx): Condition => {
  const fail = (issues: readonly { message: string; path?: readonly PropertyKey[] }[]): never => {
    for (const issue of issues) ctx.addIssue({ code: 'custom', message: issue.message, path: [...(issue.path ?? [])] });
    return z.NEVER;
  };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return fail([{ message: CONDITION_SHAPE }]);
  let schema: z.ZodType<Condition>;
  if ('field' in input || 'op' in input) {
    const op = (input as { op?: unknown }).op;
    if (op === undefined) return fail([{ message: `is required: one of ${OPS_LIST}`, path: ['op'] }]);
    if (!isOp(op)) return fail([{ message: `must be one of ${OPS_LIST} (got ${JSON.stringify(op)})`, path: ['op'] }]);
    schema = LEAF_SCHEMAS[op];
  } else {
    const groups = GROUP_KEYS.filter((k) => k in input);
    if (groups.length !== 1) return fail([{ message: groups.length === 0 ? CONDITION_SHAPE : `${CONDITION_SHAPE} (found ${groups.join(', ')})` }]);
    schema = GROUP_SCHEMAS[groups[0]!];
  }
  const result = schema.safeParse(input);
  return result.success ? result.data : fail(result.error.issues);
});

const GROUP_SCHEMAS: Record<(typeof GROUP_KEYS)[number], z.ZodType<Condition>> = {
  all: z.strictObject({ all: z.array(ConditionSchema, { error: 'must be an array of conditions' }).min(1, { error: 'must hold at least one condition' }) }),
  any: z.strictObject({ any: z.array(ConditionSchema, { error: 'must be an array of conditions' }).min(1, { error: 'must hold at least one condition' }) }),
  not: z.strictObject({ not: ConditionSchema }),
};

export const RuleSchema = z.strictObject({
  name: z.string({ error: 'must be a string' }).min(1, { error: 'must not be empty' }).max(200, { error: 'must be at most 200 characters' }),
  categoryId: z.number({ error: 'must be a positive integer' }).int({ error: 'must be a positive integer' }).positive({ error: 'must be a positive integer' }),
  /** Free text for people reading the rules; ignored by evaluation. */
  description: z.string({ error: 'must be a string' }).optional(),
  when: ConditionSchema,
});
export type Rule = z.infer<typeof RuleSchema>;

export const RuleSetSchema = z
  .strictObject({ rules: z.array(RuleSchema, { error: 'must be an array of rules' }) })
  .superRefine((ruleSet, ctx) => {
    for (const issue of crossRuleIssues(ruleSet.rules)) ctx.addIssue({ code: 'custom', message: issue.message, path: issue.path });
  });
export type RuleSet = z.infer<typeof RuleSetSchema>;

interface Problem {
  path: (string | number)[];
  message: string;
}

const asRecord = (v: unknown): Record<string, unknown> | undefined => (typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined);

/**
 * Checks that span rules: unique names, and no condition on `categories` that mentions a managed
 * category. Works on unvalidated input too, so these problems are listed alongside per-rule ones.
 */
function crossRuleIssues(rules: unknown): Problem[] {
  if (!Array.isArray(rules)) return [];
  const problems: Problem[] = [];
  const firstByName = new Map<string, number>();
  const managed = new Set<number>();
  rules.forEach((raw, i) => {
    const rule = asRecord(raw);
    if (typeof rule?.categoryId === 'number') managed.add(rule.categoryId);
    if (typeof rule?.name !== 'string') return;
    const first = firstByName.get(rule.name);
    if (first === undefined) firstByName.set(rule.name, i);
    else problems.push({ path: ['rules', i, 'name'], message: `duplicate rule name ${JSON.stringify(rule.name)} (also rules[${first}])` });
  });
  const visit = (cond: unknown, path: (string | number)[], depth: number): void => {
    const c = asRecord(cond);
    if (!c || depth > MAX_RULES_JSON_DEPTH) return;
    if (c.field === 'categories') {
      const values: unknown[] = Array.isArray(c.value) ? c.value : [c.value];
      const hit = values.map((v) => (typeof v === 'string' && v.trim() !== '' ? Number(v) : v)).find((v): v is number => typeof v === 'number' && managed.has(v));
      if (hit !== undefined) {
        problems.push({
          path: [...path, 'value'],
          message: `refers to category ${hit}, which the rules manage: a rule that reads the categories the rules write can flip products in and out forever`,
        });
      }
    }
    for (const key of ['all', 'any'] as const) {
      const list = c[key];
      if (Array.isArray(list)) list.forEach((child, j) => visit(child, [...path, key, j], depth + 1));
    }
    if ('not' in c) visit(c.not, [...path, 'not'], depth + 1);
  };
  rules.forEach((raw, i) => visit(asRecord(raw)?.when, ['rules', i, 'when'], 0));
  return problems;
}

/** `rules[1].when.all[0].op`; keys that are not identifiers are quoted: `a["x y"]`. */
function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'string' && /^[A-Za-z_$][\w$]*$/.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${JSON.stringify(String(key))}]`;
  }
  return out;
}

/** Document order: rules[2] before rules[10], a parent before its children (stable for equal paths). */
function comparePaths(a: readonly (string | number)[], b: readonly (string | number)[]): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const x = a[i]!;
    const y = b[i]!;
    if (x === y) continue;
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    if (typeof x === 'number') return -1;
    if (typeof y === 'number') return 1;
    return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

/** True when `input` nests deeper than `max` objects/arrays (iterative: cannot overflow the stack itself). */
function nestsDeeperThan(input: unknown, max: number): boolean {
  const stack: { value: unknown; depth: number }[] = [{ value: input, depth: 0 }];
  while (stack.length > 0) {
    const { value, depth } = stack.pop()!;
    if (typeof value !== 'object' || value === null) continue;
    if (depth >= max) return true;
    for (const child of Object.values(value)) stack.push({ value: child, depth: depth + 1 });
  }
  return false;
}

/**
 * Validates a rule set. `source` names where it came from (a file path, `stores/abc/rules`) and
 * starts the error message.
 *
 * @throws AppError RULES_INVALID (not retryable) whose message lists every problem as
 *   `path: problem`, e.g. `rules[1].when.all[0].op: must be one of eq, neq, ...`; the same list is
 *   in `details.problems`, and as `{ path, message }` objects in `details.issues`.
 */
export function parseRuleSet(input: unknown, source: string): RuleSet {
  let problems: Problem[];
  if (nestsDeeperThan(input, MAX_RULES_JSON_DEPTH)) {
    problems = [{ path: [], message: `nests deeper than ${MAX_RULES_JSON_DEPTH} levels` }];
  } else {
    const result = RuleSetSchema.safeParse(input);
    if (result.success) return result.data;
    problems = result.error.issues.map((i) => ({ path: i.path.map((k) => (typeof k === 'number' ? k : String(k))), message: i.message }));
    // The cross-rule refinement only runs once every rule is valid; list its findings anyway.
    problems.push(...crossRuleIssues(asRecord(input)?.rules));
  }
  const sorted = problems.sort((a, b) => comparePaths(a.path, b.path));
  const lines = [...new Set(sorted.map((p) => `${formatPath(p.path)}: ${p.message}`))];
  // `issues`: the same problems with their path as an array, for an editor that shows each message beside its field.
  const issues = [...new Map(sorted.map((p) => [`${formatPath(p.path)}: ${p.message}`, { path: p.path, message: p.message }])).values()];
  throw new AppError(ErrorCode.RULES_INVALID, `${source}: invalid category rules (${lines.length} problem${lines.length === 1 ? '' : 's'}):\n  ${lines.join('\n  ')}`, {
    details: { source, problems: lines, issues },
  });
}

/**
 * Reads and validates a rule-set JSON file (CATEGORY_RULES_FILE). Every error names the file.
 *
 * @throws AppError RULES_FILE_NOT_FOUND, RULES_FILE_UNREADABLE, or RULES_INVALID (bad JSON or bad rules).
 */
export async function loadRuleSetFile(path: string): Promise<RuleSet> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT') throw new AppError(ErrorCode.RULES_FILE_NOT_FOUND, `category rules file not found: ${path}`, { cause: e, details: { path } });
    throw new AppError(ErrorCode.RULES_FILE_UNREADABLE, `category rules file ${path} cannot be read: ${(e as Error).message}`, { cause: e, details: { path } });
  }
  let json: unknown;
  try {
    // Editors on Windows like to start files with a byte-order mark, which JSON.parse rejects.
    json = JSON.parse(text.replace(/^\uFEFF/, ''));
  } catch (e) {
    throw new AppError(ErrorCode.RULES_INVALID, `${path}: not valid JSON: ${(e as Error).message}`, { cause: e, details: { source: path } });
  }
  return parseRuleSet(json, path);
}
