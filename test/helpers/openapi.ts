// Contract checks against BigCommerce's published OpenAPI documents (the vendored subset in
// test/fixtures/bigcommerce-openapi, see its README): a request's query parameters and JSON body,
// and a response's status and body, validated with Ajv. Returns a list of problems (empty = conforms)
// so a test can assert on exactly what is wrong.
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';

// ajv-formats is CommonJS: its default export arrives wrapped under ESM.
const addFormats = addFormatsModule as unknown as (ajv: Ajv) => Ajv;

type Json = Record<string, unknown>;
interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  style?: string;
  explode?: boolean;
  schema?: Json;
}

const FIXTURES = new URL('../fixtures/bigcommerce-openapi/', import.meta.url);
export const OPENAPI_DOCUMENTS = ['catalog-products.json', 'catalog-category-trees.json'] as const;
/** The spec's server is `https://api.bigcommerce.com/stores/{store_hash}/v3`; our paths carry the `/v3`. */
const SERVER_PREFIX = '/v3';

const escapePointer = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');

/** A schema with a top-level local `$ref` replaced by its target (enough to see its `type`). */
function derefSchema(doc: Json, schema: Json): Json {
  let cur = schema;
  while (typeof cur.$ref === 'string') {
    let v: unknown = doc;
    for (const k of cur.$ref.replace(/^#\//, '').split('/')) v = (v as Json)[k.replace(/~1/g, '/').replace(/~0/g, '~')];
    cur = v as Json;
  }
  return cur;
}

interface Operation {
  docId: string;
  doc: Json;
  template: string;
  regex: RegExp;
  literal: boolean;
  method: string;
  op: Json;
  pointer: string;
  params: { p: Parameter; pointer: string }[];
}

function formatErrors(where: string, errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${where}${e.instancePath || ''} ${e.message ?? 'invalid'}${e.params && 'allowedValues' in e.params ? ` (${JSON.stringify(e.params.allowedValues).slice(0, 80)}...)` : ''}`);
}

export function createOpenApiContract() {
  // strict: false because OpenAPI 3.0 schemas carry keywords Ajv does not know (x-*, example,
  // discriminator); `nullable` is understood by Ajv itself.
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  const operations: Operation[] = [];
  for (const file of OPENAPI_DOCUMENTS) {
    const doc = JSON.parse(readFileSync(new URL(file, FIXTURES), 'utf8')) as Json;
    ajv.addSchema(doc, file);
    const resolve = (v: Json, pointer: string): { value: Json; pointer: string } => {
      const ref = v.$ref;
      if (typeof ref !== 'string') return { value: v, pointer };
      const path = ref.replace(/^#\//, '').split('/');
      let cur: unknown = doc;
      for (const k of path) cur = (cur as Json)[k.replace(/~1/g, '/').replace(/~0/g, '~')];
      return { value: cur as Json, pointer: ref.slice(1) };
    };
    for (const [template, item] of Object.entries(doc.paths as Record<string, Json>)) {
      const pathPointer = `/paths/${escapePointer(template)}`;
      const shared = ((item.parameters as Json[] | undefined) ?? []).map((p, i) => resolve(p, `${pathPointer}/parameters/${i}`));
      for (const method of ['get', 'put', 'post', 'delete']) {
        const op = item[method] as Json | undefined;
        if (!op) continue;
        const pointer = `${pathPointer}/${method}`;
        const own = ((op.parameters as Json[] | undefined) ?? []).map((p, i) => resolve(p, `${pointer}/parameters/${i}`));
        const params = [...shared, ...own].map(({ value, pointer: pp }) => ({ p: value as unknown as Parameter, pointer: pp }));
        const regex = new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`);
        operations.push({ docId: file, doc, template, regex, literal: !template.includes('{'), method: method.toUpperCase(), op, pointer, params });
      }
    }
  }

  const validators = new Map<string, ValidateFunction>();
  const validatorAt = (docId: string, pointer: string): ValidateFunction => {
    const key = `${docId}#${pointer}`;
    let v = validators.get(key);
    if (!v) {
      v = ajv.compile({ $ref: key });
      validators.set(key, v);
    }
    return v;
  };

  function find(method: string, pathAndQuery: string): { op: Operation; query: string } | string {
    const [rawPath = '', query = ''] = pathAndQuery.split(/\?(.*)/s);
    if (!rawPath.startsWith(SERVER_PREFIX)) return `${rawPath}: not under ${SERVER_PREFIX}`;
    const path = rawPath.slice(SERVER_PREFIX.length);
    // A literal path wins over a template (category-assignments vs {product_id}).
    const candidates = operations.filter((o) => o.method === method && o.regex.test(path)).sort((a, b) => Number(b.literal) - Number(a.literal));
    const op = candidates[0];
    return op ? { op, query } : `${method} ${path}: not an operation of the vendored OpenAPI subset`;
  }

  /** Coerces a raw query value as the parameter's schema says (style form, explode false = CSV). */
  function coerce(schema: Json, raw: string): unknown {
    const type = schema.type;
    if (type === 'array') {
      const items = (schema.items ?? {}) as Json;
      return raw.split(',').map((s) => coerce(items, s));
    }
    if (type === 'integer' || type === 'number') return /^-?\d+(\.\d+)?$/.test(raw) ? Number(raw) : raw;
    if (type === 'boolean') return raw === 'true' ? true : raw === 'false' ? false : raw;
    return raw;
  }

  return {
    /** Problems with a request: unknown query parameters, values their schemas reject, a body the spec rejects. */
    checkRequest(method: string, pathAndQuery: string, body?: unknown): string[] {
      const found = find(method, pathAndQuery);
      if (typeof found === 'string') return [found];
      const { op, query } = found;
      const problems: string[] = [];
      const given = new Map<string, string>();
      for (const part of query.split('&').filter(Boolean)) {
        const [k = '', v = ''] = part.split(/=(.*)/s);
        const name = decodeURIComponent(k);
        if (given.has(name)) problems.push(`query ${name}: given twice`);
        given.set(name, v);
      }
      for (const [name, raw] of given) {
        const param = op.params.find((x) => x.p.in === 'query' && x.p.name === name);
        if (!param) {
          problems.push(`query ${name}: not a parameter of ${op.method} ${op.template}`);
          continue;
        }
        if (!param.p.schema) continue;
        // Array values split on the literal commas before decoding (explode: false), scalars decode whole.
        const schema = derefSchema(op.doc, param.p.schema);
        const value = schema.type === 'array' ? (coerce(schema, raw) as unknown[]).map((x) => (typeof x === 'string' ? decodeURIComponent(x) : x)) : coerce(schema, decodeURIComponent(raw));
        const validate = validatorAt(op.docId, `${param.pointer}/schema`);
        if (!validate(value)) problems.push(...formatErrors(`query ${name}`, validate.errors));
      }
      for (const { p } of op.params) if (p.in === 'query' && p.required && !given.has(p.name)) problems.push(`query ${p.name}: required`);
      const requestBody = op.op.requestBody as Json | undefined;
      if (requestBody) {
        if (body === undefined) {
          if (requestBody.required) problems.push('body: required');
        } else {
          const validate = validatorAt(op.docId, `${op.pointer}/requestBody/content/application~1json/schema`);
          if (!validate(body)) problems.push(...formatErrors('body', validate.errors));
        }
      } else if (body !== undefined) problems.push(`body: ${op.method} ${op.template} takes none`);
      return problems;
    },

    /** Problems with a response: an undocumented status, or a body the documented schema rejects. */
    checkResponse(method: string, pathAndQuery: string, status: number, body: unknown): string[] {
      const found = find(method, pathAndQuery);
      if (typeof found === 'string') return [found];
      const { op } = found;
      const responses = op.op.responses as Record<string, Json>;
      const key = String(status) in responses ? String(status) : 'default' in responses ? 'default' : undefined;
      if (!key) return [`status ${status}: not documented for ${op.method} ${op.template} (documented: ${Object.keys(responses).join(', ')})`];
      const content = responses[key]?.content as Record<string, Json> | undefined;
      if (!content?.['application/json']?.schema) return body === undefined ? [] : [`status ${status}: documented without a body`];
      const validate = validatorAt(op.docId, `${op.pointer}/responses/${key}/content/application~1json/schema`);
      return validate(body) ? [] : formatErrors(`response ${status}`, validate.errors);
    },
  };
}

export type OpenApiContract = ReturnType<typeof createOpenApiContract>;
