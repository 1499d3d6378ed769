import type { Rule, RuleSet } from './rule-set-schema.ts';

/** What a new rule set changes against the previous one, by rule name (names are unique). */
export interface RuleSetChanges {
  added: string[];
  removed: string[];
  /** Same name, different category, condition or description. */
  changed: string[];
  /** Categories managed before and not now: no longer touched at all (nothing is removed from them). */
  unmanagedCategoryIds: number[];
  /** Categories managed now and not before. */
  newlyManagedCategoryIds: number[];
}

/** Key order does not matter for equality: the stored JSON may come back in another order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const sortedCategories = (rules: readonly Rule[]) => [...new Set(rules.map((r) => r.categoryId))].sort((a, b) => a - b);

/**
 * The history line of a save: rules added, removed and changed (by name, in the order of the rule
 * set they appear in), and the managed categories that appear or disappear. `previous` undefined
 * means "no rules of its own before" (the default rule set, if any, is not compared against).
 */
export function diffRuleSets(previous: RuleSet | undefined, next: RuleSet): RuleSetChanges {
  const before = new Map((previous?.rules ?? []).map((r) => [r.name, r]));
  const after = new Map(next.rules.map((r) => [r.name, r]));
  const added = next.rules.filter((r) => !before.has(r.name)).map((r) => r.name);
  const removed = (previous?.rules ?? []).filter((r) => !after.has(r.name)).map((r) => r.name);
  const changed = next.rules.filter((r) => before.has(r.name) && canonical(before.get(r.name)) !== canonical(r)).map((r) => r.name);
  const was = new Set(sortedCategories(previous?.rules ?? []));
  const now = new Set(sortedCategories(next.rules));
  return {
    added,
    removed,
    changed,
    unmanagedCategoryIds: [...was].filter((c) => !now.has(c)),
    newlyManagedCategoryIds: [...now].filter((c) => !was.has(c)),
  };
}
