import type { GraphQLDocument, Operation, Selection, ValueNode } from './parse-graphql.ts';

/**
 * Executes a parsed document against a plain object tree: every object carries `__typename`,
 * a field is either a value or a resolver `(args) => value | Promise<value>`. Fields are merged per
 * response key as the spec's CollectFields does, so fragments that repeat a field work, and
 * mutation fields run one after another in document order.
 */

export type Resolver = (args: Record<string, unknown>) => unknown;
export interface GraphQLError {
  message: string;
  path?: (string | number)[];
}
export interface GraphQLResponse {
  data?: Record<string, unknown> | null;
  errors?: GraphQLError[];
}

export class GraphQLFieldError extends Error {
  readonly path: (string | number)[];
  constructor(message: string, path: (string | number)[]) {
    super(message);
    this.name = 'GraphQLFieldError';
    this.path = path;
  }
}

type Obj = Record<string, unknown> & { __typename: string; __interfaces?: string[] };
type FieldSel = Extract<Selection, { kind: 'field' }>;

const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v) && typeof (v as Obj).__typename === 'string';

function evalValue(node: ValueNode, vars: Record<string, unknown>): unknown {
  switch (node.kind) {
    case 'variable':
      return vars[node.name];
    case 'const':
    case 'enum':
      return node.value;
    case 'list':
      return node.items.map((i) => evalValue(i, vars));
    case 'object': {
      const out: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(node.fields)) {
        const val = evalValue(v, vars);
        if (val !== undefined) out[k] = val;
      }
      return out;
    }
  }
}

function evalArgs(args: Record<string, ValueNode>, vars: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(args)) {
    const val = evalValue(v, vars);
    if (val !== undefined) out[k] = val;
  }
  return out;
}

class Executor {
  private readonly doc: GraphQLDocument;
  private readonly vars: Record<string, unknown>;
  constructor(doc: GraphQLDocument, vars: Record<string, unknown>) {
    this.doc = doc;
    this.vars = vars;
  }

  private included(directives: { name: string; args: Record<string, ValueNode> }[]): boolean {
    for (const d of directives) {
      const cond = d.args.if ? evalValue(d.args.if, this.vars) : undefined;
      if (d.name === 'skip' && cond === true) return false;
      if (d.name === 'include' && cond !== true) return false;
    }
    return true;
  }

  private collect(obj: Obj, selections: Selection[], into: Map<string, FieldSel[]>, seen: Set<string>): Map<string, FieldSel[]> {
    const applies = (typeCondition: string | undefined) => typeCondition === undefined || typeCondition === obj.__typename || (obj.__interfaces ?? []).includes(typeCondition);
    for (const s of selections) {
      if (!this.included(s.directives)) continue;
      if (s.kind === 'field') {
        const key = s.alias ?? s.name;
        into.set(key, [...(into.get(key) ?? []), s]);
      } else if (s.kind === 'inline') {
        if (applies(s.typeCondition)) this.collect(obj, s.selections, into, seen);
      } else {
        const frag = this.doc.fragments.get(s.name);
        if (!frag) throw new GraphQLFieldError(`Unknown fragment "${s.name}".`, []);
        if (seen.has(s.name)) continue;
        if (applies(frag.typeCondition)) this.collect(obj, frag.selections, into, new Set([...seen, s.name]));
      }
    }
    return into;
  }

  async object(obj: Obj, selections: Selection[], path: (string | number)[]): Promise<Record<string, unknown>> {
    const out: Record<string, unknown> = {};
    for (const [key, fields] of this.collect(obj, selections, new Map(), new Set())) {
      const f = fields[0] as FieldSel;
      const fieldPath = [...path, key];
      if (f.name === '__typename') {
        out[key] = obj.__typename;
        continue;
      }
      if (f.name.startsWith('__') || !Object.hasOwn(obj, f.name)) {
        throw new GraphQLFieldError(`Cannot query field "${f.name}" on type "${obj.__typename}".`, fieldPath);
      }
      let value = obj[f.name];
      if (typeof value === 'function') value = await (value as Resolver)(evalArgs(f.args, this.vars));
      const sub = fields.flatMap((x) => x.selections ?? []);
      out[key] = await this.complete(value, fields.some((x) => x.selections) ? sub : undefined, fieldPath, f.name);
    }
    return out;
  }

  private async complete(value: unknown, selections: Selection[] | undefined, path: (string | number)[], name: string): Promise<unknown> {
    if (value === null || value === undefined) return null;
    if (Array.isArray(value)) {
      const out: unknown[] = [];
      for (const [i, v] of value.entries()) out.push(await this.complete(v, selections, [...path, i], name));
      return out;
    }
    if (isObj(value)) {
      if (!selections) throw new GraphQLFieldError(`Field "${name}" of type "${value.__typename}" must have a selection of subfields.`, path);
      return this.object(value, selections, path);
    }
    if (selections) throw new GraphQLFieldError(`Field "${name}" must not have a selection since its type has no subfields.`, path);
    return value;
  }
}

function pickOperation(doc: GraphQLDocument, operationName: string | undefined): Operation {
  if (operationName) {
    const op = doc.operations.find((o) => o.name === operationName);
    if (!op) throw new GraphQLFieldError(`Unknown operation named "${operationName}".`, []);
    return op;
  }
  if (doc.operations.length > 1) throw new GraphQLFieldError('Must provide operation name if query contains multiple operations.', []);
  return doc.operations[0] as Operation;
}

export async function executeGraphQL(
  doc: GraphQLDocument,
  roots: { query: Obj; mutation: Obj },
  opts: { variables?: Record<string, unknown> | undefined; operationName?: string | undefined } = {},
): Promise<GraphQLResponse> {
  try {
    const op = pickOperation(doc, opts.operationName);
    if (op.type === 'subscription') throw new GraphQLFieldError('Subscriptions are not supported.', []);
    const given = opts.variables ?? {};
    const vars: Record<string, unknown> = {};
    for (const d of op.variables) {
      const v = Object.hasOwn(given, d.name) ? given[d.name] : d.defaultValue ? evalValue(d.defaultValue, {}) : undefined;
      if ((v === undefined || v === null) && d.type.endsWith('!')) {
        throw new GraphQLFieldError(`Variable "$${d.name}" of required type "${d.type}" was not provided.`, []);
      }
      vars[d.name] = v;
    }
    const data = await new Executor(doc, vars).object(op.type === 'mutation' ? roots.mutation : roots.query, op.selections, []);
    return { data };
  } catch (e) {
    if (e instanceof GraphQLFieldError) return { data: null, errors: [{ message: e.message, ...(e.path.length > 0 ? { path: e.path } : {}) }] };
    throw e;
  }
}
