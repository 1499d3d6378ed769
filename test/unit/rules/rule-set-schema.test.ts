import { mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../src/errors.ts';
import { ConditionSchema, loadRuleSetFile, parseRuleSet, RuleSetSchema } from '../../../src/rules/rule-set-schema.ts';

const EXAMPLE = {
  rules: [
    { name: 'on-sale', categoryId: 50, when: { field: 'sale_price', op: 'gt', value: 0 } },
    {
      name: 'low-stock',
      categoryId: 51,
      when: {
        all: [
          { field: 'inventory_tracking', op: 'neq', value: 'none' },
          { field: 'inventory_level', op: 'lte', value: 5 },
        ],
      },
    },
  ],
};

const leaf = (extra: Record<string, unknown> = {}) => ({ field: 'price', op: 'gt', value: 1, ...extra });
const rule = (when: unknown, extra: Record<string, unknown> = {}) => ({ name: 'r', categoryId: 7, when, ...extra });
const oneRule = (when: unknown) => ({ rules: [rule(when)] });

/** The problem lines of the RULES_INVALID error `parseRuleSet` throws. */
function problemsOf(input: unknown): string[] {
  try {
    parseRuleSet(input, 'test.json');
  } catch (e) {
    expect(e).toBeInstanceOf(AppError);
    const err = e as AppError;
    expect(err.code).toBe('RULES_INVALID');
    expect(err.retryable).toBe(false);
    const problems = err.details?.problems as string[];
    // The message carries the same lines, so an operator reading logs sees all of them.
    for (const p of problems) expect(err.message).toContain(p);
    expect(err.message.startsWith('test.json: ')).toBe(true);
    return problems;
  }
  throw new Error('expected RULES_INVALID');
}

describe('parseRuleSet: valid input', () => {
  it('accepts the documented example unchanged', () => {
    expect(parseRuleSet(EXAMPLE, 'x')).toEqual(EXAMPLE);
  });

  it.each([
    ['empty rule list (manages nothing)', { rules: [] }],
    ['exists without value', oneRule({ field: 'brand_id', op: 'exists' })],
    ['exists false', oneRule({ field: 'brand_id', op: 'exists', value: false })],
    ['in with mixed scalars', oneRule({ field: 'availability', op: 'in', value: ['available', 'preorder', 1, true] })],
    ['gt with an ISO date', oneRule({ field: 'date_created', op: 'gt', value: '2024-01-31T00:00:00+00:00' })],
    ['lt with a date only', oneRule({ field: 'date_modified', op: 'lt', value: '2024-01-31' })],
    ['within_days fractional', oneRule({ field: 'date_created', op: 'within_days', value: 0.5 })],
    ['contains a number', oneRule({ field: 'categories', op: 'contains', value: 23 })],
    ['custom field with spaces and dots', oneRule({ field: 'custom_fields.Brand Name v1.2', op: 'eq', value: 'Acme' })],
    ['deeply nested groups', oneRule({ not: { any: [{ all: [leaf(), { not: leaf() }] }, leaf()] } })],
    ['description on a rule', { rules: [rule(leaf(), { description: 'why this rule exists' })] }],
    ['two rules for one category', { rules: [rule(leaf(), { name: 'a' }), rule(leaf(), { name: 'b' })] }],
    ['categories condition on an unmanaged category', oneRule({ field: 'categories', op: 'in', value: [23, 24] })],
  ])('accepts %s', (_name, input) => {
    expect(parseRuleSet(input, 'x')).toEqual(input);
  });

  it('accepts the example in src/rules/README.md', async () => {
    const readme = await readFile(new URL('../../../src/rules/README.md', import.meta.url), 'utf8');
    const json = /```json\n([\s\S]*?)```/.exec(readme)?.[1];
    expect(json).toBeDefined();
    expect(parseRuleSet(JSON.parse(json!), 'README.md').rules).toHaveLength(4);
  });

  it('exposes the same validation as plain zod schemas', () => {
    expect(RuleSetSchema.safeParse(EXAMPLE).success).toBe(true);
    expect(ConditionSchema.safeParse({ any: [leaf()] }).success).toBe(true);
    expect(ConditionSchema.safeParse({ any: [leaf({ op: 'nope' })] }).success).toBe(false);
    expect(RuleSetSchema.safeParse({ rules: [rule(leaf()), rule(leaf())] }).success).toBe(false);
  });
});

const OPS = 'must be one of eq, neq, gt, gte, lt, lte, in, contains, exists, within_days';

describe('parseRuleSet: every problem with its JSON path', () => {
  it.each([
    { name: 'not an object', input: 'rules', problems: ['(root): Invalid input: expected object, received string'] },
    { name: 'null', input: null, problems: ['(root): Invalid input: expected object, received null'] },
    { name: 'rules missing', input: {}, problems: ['rules: must be an array of rules'] },
    { name: 'rules not an array', input: { rules: {} }, problems: ['rules: must be an array of rules'] },
    { name: 'unknown top-level key', input: { rules: [], rulez: [] }, problems: ['(root): Unrecognized key: "rulez"'] },
    { name: 'unknown op in a nested group', input: { rules: [EXAMPLE.rules[0], rule({ all: [leaf({ op: 'gtt' })] })] }, problems: [`rules[1].when.all[0].op: ${OPS} (got "gtt")`] },
    { name: 'op missing', input: oneRule({ field: 'price', value: 1 }), problems: [`rules[0].when.op: is required: one of eq, neq, gt, gte, lt, lte, in, contains, exists, within_days`] },
    { name: 'field missing', input: oneRule({ op: 'eq', value: 1 }), problems: ['rules[0].when.field: must be a string'] },
    { name: 'field not snake_case', input: oneRule(leaf({ field: 'Sale Price' })), problems: ['rules[0].when.field: must be a snake_case product field (e.g. sale_price) or custom_fields.<name>'] },
    { name: 'field with an unsupported dotted path', input: oneRule(leaf({ field: 'variants.price' })), problems: ['rules[0].when.field: must be a snake_case product field (e.g. sale_price) or custom_fields.<name>'] },
    { name: 'custom field without a name', input: oneRule(leaf({ field: 'custom_fields.' })), problems: ['rules[0].when.field: must be a snake_case product field (e.g. sale_price) or custom_fields.<name>'] },
    { name: 'gt with a string', input: oneRule(leaf({ value: 'cheap' })), problems: ['rules[0].when.value: must be a number or an ISO-8601 date string (e.g. 2024-01-31 or 2024-01-31T00:00:00Z)'] },
    { name: 'gt with a numeric string', input: oneRule(leaf({ value: '5' })), problems: ['rules[0].when.value: must be a number or an ISO-8601 date string (e.g. 2024-01-31 or 2024-01-31T00:00:00Z)'] },
    { name: 'lte with a boolean', input: oneRule(leaf({ op: 'lte', value: true })), problems: ['rules[0].when.value: must be a number or an ISO-8601 date string (e.g. 2024-01-31 or 2024-01-31T00:00:00Z)'] },
    { name: 'gte with a zoneless date-time', input: oneRule(leaf({ op: 'gte', value: '2024-01-31T10:00:00' })), problems: ['rules[0].when.value: must be a number or an ISO-8601 date string (e.g. 2024-01-31 or 2024-01-31T00:00:00Z)'] },
    { name: 'gt with an impossible date', input: oneRule(leaf({ value: '2023-02-30' })), problems: ['rules[0].when.value: must be a number or an ISO-8601 date string (e.g. 2024-01-31 or 2024-01-31T00:00:00Z)'] },
    { name: 'gt without value', input: oneRule({ field: 'price', op: 'gt' }), problems: ['rules[0].when.value: must be a number or an ISO-8601 date string (e.g. 2024-01-31 or 2024-01-31T00:00:00Z)'] },
    { name: 'in with a scalar', input: oneRule({ field: 'brand_id', op: 'in', value: 3 }), problems: ['rules[0].when.value: must be an array of strings, numbers or booleans'] },
    { name: 'in with an empty list', input: oneRule({ field: 'brand_id', op: 'in', value: [] }), problems: ['rules[0].when.value: must list at least one value'] },
    { name: 'in with an object element', input: oneRule({ field: 'brand_id', op: 'in', value: [1, { a: 1 }] }), problems: ['rules[0].when.value[1]: must be a string, number or boolean'] },
    { name: 'eq with null', input: oneRule({ field: 'brand_id', op: 'eq', value: null }), problems: ['rules[0].when.value: must be a string, number or boolean'] },
    { name: 'eq without value', input: oneRule({ field: 'brand_id', op: 'eq' }), problems: ['rules[0].when.value: must be a string, number or boolean'] },
    { name: 'contains with an array', input: oneRule({ field: 'name', op: 'contains', value: ['a'] }), problems: ['rules[0].when.value: must be a string, number or boolean'] },
    { name: 'exists with a string', input: oneRule({ field: 'brand_id', op: 'exists', value: 'yes' }), problems: ['rules[0].when.value: must be true or false (or left out, meaning true)'] },
    { name: 'within_days zero', input: oneRule({ field: 'date_created', op: 'within_days', value: 0 }), problems: ['rules[0].when.value: must be a positive number of days'] },
    { name: 'within_days negative', input: oneRule({ field: 'date_created', op: 'within_days', value: -3 }), problems: ['rules[0].when.value: must be a positive number of days'] },
    { name: 'within_days as a string', input: oneRule({ field: 'date_created', op: 'within_days', value: '7' }), problems: ['rules[0].when.value: must be a number of days'] },
    { name: 'unknown key on a field condition', input: oneRule(leaf({ vaule: 1 })), problems: ['rules[0].when: Unrecognized key: "vaule"'] },
    { name: 'field condition mixed with a group', input: oneRule(leaf({ all: [leaf()] })), problems: ['rules[0].when: Unrecognized key: "all"'] },
    { name: 'two group keys', input: oneRule({ all: [leaf()], any: [leaf()] }), problems: ['rules[0].when: must be a condition: {"field","op","value"} or exactly one of {"all":[...]}, {"any":[...]}, {"not":{...}} (found all, any)'] },
    { name: 'empty condition', input: oneRule({}), problems: ['rules[0].when: must be a condition: {"field","op","value"} or exactly one of {"all":[...]}, {"any":[...]}, {"not":{...}}'] },
    { name: 'condition is an array', input: oneRule([leaf()]), problems: ['rules[0].when: must be a condition: {"field","op","value"} or exactly one of {"all":[...]}, {"any":[...]}, {"not":{...}}'] },
    { name: 'when missing', input: { rules: [{ name: 'r', categoryId: 1 }] }, problems: ['rules[0].when: must be a condition: {"field","op","value"} or exactly one of {"all":[...]}, {"any":[...]}, {"not":{...}}'] },
    { name: 'empty all', input: oneRule({ all: [] }), problems: ['rules[0].when.all: must hold at least one condition'] },
    { name: 'any not an array', input: oneRule({ any: leaf() }), problems: ['rules[0].when.any: must be an array of conditions'] },
    { name: 'not with an array', input: oneRule({ not: [leaf()] }), problems: ['rules[0].when.not: must be a condition: {"field","op","value"} or exactly one of {"all":[...]}, {"any":[...]}, {"not":{...}}'] },
    { name: 'categoryId zero', input: { rules: [rule(leaf(), { categoryId: 0 })] }, problems: ['rules[0].categoryId: must be a positive integer'] },
    { name: 'categoryId fractional', input: { rules: [rule(leaf(), { categoryId: 1.5 })] }, problems: ['rules[0].categoryId: must be a positive integer'] },
    { name: 'categoryId as a string', input: { rules: [rule(leaf(), { categoryId: '50' })] }, problems: ['rules[0].categoryId: must be a positive integer'] },
    { name: 'name empty', input: { rules: [rule(leaf(), { name: '' })] }, problems: ['rules[0].name: must not be empty'] },
    { name: 'name missing', input: { rules: [{ categoryId: 1, when: leaf() }] }, problems: ['rules[0].name: must be a string'] },
    { name: 'unknown key on a rule', input: { rules: [rule(leaf(), { categoryID: 5 })] }, problems: ['rules[0]: Unrecognized key: "categoryID"'] },
    {
      name: 'duplicate names',
      input: { rules: [rule(leaf(), { name: 'sale' }), rule(leaf(), { name: 'other' }), rule(leaf(), { name: 'sale' })] },
      problems: ['rules[2].name: duplicate rule name "sale" (also rules[0])'],
    },
    {
      name: 'a rule reading a managed category (feedback loop)',
      input: { rules: [rule({ not: { field: 'categories', op: 'contains', value: 50 } }, { name: 'flip', categoryId: 50 })] },
      problems: ['rules[0].when.not.value: refers to category 50, which the rules manage: a rule that reads the categories the rules write can flip products in and out forever'],
    },
    {
      name: 'a rule reading another rule’s category through in, as a numeric string',
      input: { rules: [rule(leaf(), { name: 'a', categoryId: 50 }), rule({ any: [leaf(), { field: 'categories', op: 'in', value: [3, '50'] }] }, { name: 'b', categoryId: 51 })] },
      problems: ['rules[1].when.any[1].value: refers to category 50, which the rules manage: a rule that reads the categories the rules write can flip products in and out forever'],
    },
  ])('$name', ({ input, problems }) => {
    expect(problemsOf(input)).toEqual(problems);
  });

  it('lists every problem at once, including duplicates next to per-rule errors', () => {
    const input = {
      rules: [
        rule(leaf({ op: 'bigger' }), { name: 'x' }),
        rule({ all: [leaf(), { field: 'In Stock', op: 'exists' }, { any: [] }] }, { name: 'x', categoryId: -1 }),
        { name: 'y', categoryId: 3, when: { not: { field: 'date_created', op: 'within_days', value: 'soon' } }, extra: true },
      ],
    };
    expect(problemsOf(input)).toEqual([
      `rules[0].when.op: ${OPS} (got "bigger")`,
      'rules[1].categoryId: must be a positive integer',
      'rules[1].name: duplicate rule name "x" (also rules[0])',
      'rules[1].when.all[1].field: must be a snake_case product field (e.g. sale_price) or custom_fields.<name>',
      'rules[1].when.all[2].any: must hold at least one condition',
      'rules[2]: Unrecognized key: "extra"',
      'rules[2].when.not.value: must be a number of days',
    ]);
  });

  it('orders problems as in the document (rules[2] before rules[10])', () => {
    const rules = Array.from({ length: 11 }, (_, i) => rule(leaf(), { name: `r${i}` }));
    rules[10] = rule(leaf({ op: 'x' }), { name: 'r10' });
    rules[2] = rule(leaf({ op: 'y' }), { name: 'r2' });
    expect(problemsOf({ rules })).toEqual([`rules[2].when.op: ${OPS} (got "y")`, `rules[10].when.op: ${OPS} (got "x")`]);
  });

  it('refuses absurd nesting without overflowing the stack', () => {
    let when: unknown = leaf();
    for (let i = 0; i < 100_000; i++) when = { not: when };
    expect(problemsOf(oneRule(when))).toEqual(['(root): nests deeper than 64 levels']);
  });

  it.each([
    [60, true],
    [61, false],
  ])('with %i nested "not" the leaf sits at depth 63/64: accepted = %s', (nots, accepted) => {
    // root (0) -> rules (1) -> rules[0] (2) -> when (3) -> one level per "not".
    let when: unknown = leaf();
    for (let i = 0; i < nots; i++) when = { not: when };
    if (accepted) expect(() => parseRuleSet(oneRule(when), 'x')).not.toThrow();
    else expect(problemsOf(oneRule(when))).toEqual(['(root): nests deeper than 64 levels']);
  });
});

describe('loadRuleSetFile', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'rules-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const write = async (name: string, text: string) => {
    const p = join(dir, name);
    await writeFile(p, text);
    return p;
  };

  it('reads a valid file', async () => {
    const p = await write('ok.json', JSON.stringify(EXAMPLE, null, 2));
    await expect(loadRuleSetFile(p)).resolves.toEqual(EXAMPLE);
  });

  it('tolerates a UTF-8 byte-order mark', async () => {
    const p = await write('bom.json', `\uFEFF${JSON.stringify(EXAMPLE)}`);
    await expect(loadRuleSetFile(p)).resolves.toEqual(EXAMPLE);
  });

  it('names a missing file', async () => {
    const p = join(dir, 'nope.json');
    await expect(loadRuleSetFile(p)).rejects.toMatchObject({ code: 'RULES_FILE_NOT_FOUND', message: `category rules file not found: ${p}` });
  });

  it('names an unreadable path (a directory)', async () => {
    const p = join(dir, 'a-dir');
    await mkdir(p);
    const err = await loadRuleSetFile(p).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RULES_FILE_UNREADABLE' });
    expect((err as Error).message).toContain(p);
  });

  it.each([
    ['bad.json', '{"rules": [,]}'],
    ['empty.json', ''],
    ['trailing.json', '{"rules": []} x'],
  ])('names the file when %s is not JSON', async (name, text) => {
    const p = await write(name, text);
    const err = await loadRuleSetFile(p).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RULES_INVALID' });
    expect((err as Error).message).toMatch(new RegExp(`^${p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not valid JSON: `));
  });

  it('names the file and the path of a bad rule', async () => {
    const p = await write('invalid.json', JSON.stringify(oneRule(leaf({ op: 'like' }))));
    const err = await loadRuleSetFile(p).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'RULES_INVALID' });
    expect((err as Error).message).toContain(`${p}: invalid category rules (1 problem):`);
    expect((err as Error).message).toContain(`rules[0].when.op: ${OPS} (got "like")`);
  });
});
