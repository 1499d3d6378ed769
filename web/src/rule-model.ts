// The rules editor's model (pure, no DOM): what the form edits, and its exact mapping to and from
// the rule schema (src/rules/rule-set-schema.ts). The server validates; this only shapes input.

export const OPS = ['eq', 'neq', 'gt', 'gte', 'lt', 'lte', 'in', 'contains', 'exists', 'within_days'] as const;
export type Op = (typeof OPS)[number];

export const OP_LABELS: Record<Op, string> = {
  eq: 'is',
  neq: 'is not',
  gt: 'is greater than',
  gte: 'is at least',
  lt: 'is less than',
  lte: 'is at most',
  in: 'is one of',
  contains: 'contains',
  exists: 'is set',
  within_days: 'is within the last (days)',
};

/** Product fields a rule can read (reference §4.2), and `custom` for `custom_fields.<name>`. */
export const FIELDS: { value: string; label: string }[] = [
  { value: 'sale_price', label: 'Sale price' },
  { value: 'price', label: 'Price' },
  { value: 'retail_price', label: 'Retail price' },
  { value: 'cost_price', label: 'Cost price' },
  { value: 'calculated_price', label: 'Calculated price' },
  { value: 'inventory_level', label: 'Inventory level' },
  { value: 'inventory_tracking', label: 'Inventory tracking' },
  { value: 'is_featured', label: 'Featured' },
  { value: 'is_visible', label: 'Visible' },
  { value: 'availability', label: 'Availability' },
  { value: 'brand_id', label: 'Brand id' },
  { value: 'type', label: 'Type' },
  { value: 'name', label: 'Name' },
  { value: 'sku', label: 'SKU' },
  { value: 'categories', label: 'Categories' },
  { value: 'date_created', label: 'Date created' },
  { value: 'date_modified', label: 'Date modified' },
  { value: 'custom', label: 'Custom field…' },
];

export interface LeafDraft {
  /** A product field, or `custom` with `customName`. */
  field: string;
  customName: string;
  op: Op;
  /** As typed; `parseValue` turns it into the JSON value. */
  value: string;
}

export interface RuleDraft {
  key: string;
  name: string;
  categoryId: number | undefined;
  description: string | undefined;
  match: 'all' | 'any';
  leaves: LeafDraft[];
  /** Conditions the form cannot show (nested groups, `not`): edited as JSON. */
  advancedJson: string | undefined;
}

type Json = unknown;
type Leaf = { field: string; op: Op; value?: Json };
const isLeaf = (c: unknown): c is Leaf => typeof c === 'object' && c !== null && 'field' in c && 'op' in c;

let keys = 0;
export const newKey = () => `r${++keys}`;

export const emptyLeaf = (): LeafDraft => ({ field: 'sale_price', customName: '', op: 'gt', value: '0' });
export const emptyRule = (): RuleDraft => ({ key: newKey(), name: '', categoryId: undefined, description: undefined, match: 'all', leaves: [emptyLeaf()], advancedJson: undefined });

function valueText(v: Json): string {
  if (Array.isArray(v)) return v.map((x) => valueText(x)).join(', ');
  if (v === undefined) return 'true';
  if (typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean') return String(v);
  return JSON.stringify(v) ?? '';
}

function leafDraft(c: Leaf): LeafDraft {
  const custom = c.field.startsWith('custom_fields.');
  return { field: custom ? 'custom' : c.field, customName: custom ? c.field.slice('custom_fields.'.length) : '', op: c.op, value: valueText(c.value) };
}

/** A stored rule as the form shows it. */
export function toDraft(rule: { name: string; categoryId: number; description?: string; when: unknown }): RuleDraft {
  const base = { key: newKey(), name: rule.name, categoryId: rule.categoryId, description: rule.description };
  const w = rule.when as Record<string, unknown>;
  if (isLeaf(w)) return { ...base, match: 'all', leaves: [leafDraft(w)], advancedJson: undefined };
  for (const match of ['all', 'any'] as const) {
    const list = w[match];
    if (Array.isArray(list) && list.length > 0 && list.every(isLeaf)) return { ...base, match, leaves: list.map(leafDraft), advancedJson: undefined };
  }
  return { ...base, match: 'all', leaves: [], advancedJson: JSON.stringify(rule.when, null, 2) };
}

const NUMBER = /^\s*-?(?:\d+\.?\d*|\.\d+)\s*$/;
function scalar(text: string): Json {
  const t = text.trim();
  if (NUMBER.test(t)) return Number(t);
  if (t === 'true') return true;
  if (t === 'false') return false;
  return t;
}

/**
 * The JSON value of what was typed for `op`. Numbers and booleans are recognised; anything else
 * stays a string, so a wrong value (text for "greater than") reaches the server's validation and
 * its message shows beside the field.
 */
export function parseValue(op: Op, text: string): Json {
  switch (op) {
    case 'exists':
      return text.trim() !== 'false';
    case 'in':
      return text
        .split(',')
        .map((s) => s.trim())
        .filter((s) => s !== '')
        .map(scalar);
    case 'within_days':
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte':
      return NUMBER.test(text) ? Number(text) : text.trim();
    case 'eq':
    case 'neq':
    case 'contains':
      return scalar(text);
  }
}

function leafJson(l: LeafDraft): Json {
  return { field: l.field === 'custom' ? `custom_fields.${l.customName}` : l.field, op: l.op, value: parseValue(l.op, l.value) };
}

/** The rule as the API takes it. Invalid JSON in the advanced editor is sent as a string, so the server names the field. */
export function toRule(d: RuleDraft): Json {
  let when: Json;
  if (d.advancedJson !== undefined) {
    try {
      when = JSON.parse(d.advancedJson);
    } catch {
      when = d.advancedJson;
    }
  } else {
    when = d.leaves.length === 1 ? leafJson(d.leaves[0]!) : { [d.match]: d.leaves.map(leafJson) };
  }
  return { name: d.name, categoryId: d.categoryId ?? 0, ...(d.description ? { description: d.description } : {}), when };
}

export const toRuleSet = (drafts: readonly RuleDraft[]): Json => ({ rules: drafts.map(toRule) });

export interface Issue {
  path: (string | number)[];
  message: string;
}

/** Where an issue shows in the form: a rule's name, category, one leaf's part, or its condition as a whole. */
export type IssueTarget =
  | { rule: number; part: 'name' | 'categoryId' | 'when' }
  | { rule: number; part: 'leaf'; leaf: number; key: 'field' | 'op' | 'value' }
  | { part: 'form' };

export function issueTarget(path: readonly (string | number)[], drafts: readonly RuleDraft[]): IssueTarget {
  const [root, rule, part, ...rest] = path;
  if (root !== 'rules' || typeof rule !== 'number') return { part: 'form' };
  if (part === 'name' || part === 'categoryId') return { rule, part };
  const d = drafts[rule];
  if (part !== 'when' || !d || d.advancedJson !== undefined) return { rule, part: 'when' };
  const keyOf = (k: unknown) => (k === 'field' || k === 'op' || k === 'value' ? k : undefined);
  if (d.leaves.length === 1 && keyOf(rest[0])) return { rule, part: 'leaf', leaf: 0, key: keyOf(rest[0])! };
  if ((rest[0] === 'all' || rest[0] === 'any') && typeof rest[1] === 'number' && keyOf(rest[2])) return { rule, part: 'leaf', leaf: rest[1], key: keyOf(rest[2])! };
  return { rule, part: 'when' };
}
