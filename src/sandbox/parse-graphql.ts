/**
 * A recursive-descent parser for the GraphQL subset the sandbox answers: operations (query /
 * mutation, optional name, variable definitions), fields with aliases and arguments, nested
 * selection sets, inline fragments, named fragments, @include/@skip, and every literal kind
 * (variables, ints, floats, strings incl. block strings, booleans, null, enums, lists, objects).
 * No schema, no validation beyond syntax: the executor checks fields against the objects it has.
 */

export type ValueNode =
  | { kind: 'variable'; name: string }
  | { kind: 'const'; value: string | number | boolean | null }
  | { kind: 'enum'; value: string }
  | { kind: 'list'; items: ValueNode[] }
  | { kind: 'object'; fields: Record<string, ValueNode> };

export interface Directive {
  name: string;
  args: Record<string, ValueNode>;
}

export type Selection =
  | { kind: 'field'; alias: string | undefined; name: string; args: Record<string, ValueNode>; directives: Directive[]; selections: Selection[] | undefined }
  | { kind: 'inline'; typeCondition: string | undefined; directives: Directive[]; selections: Selection[] }
  | { kind: 'spread'; name: string; directives: Directive[] };

export interface VariableDefinition {
  name: string;
  type: string;
  defaultValue: ValueNode | undefined;
}

export interface Operation {
  type: 'query' | 'mutation' | 'subscription';
  name: string | undefined;
  variables: VariableDefinition[];
  selections: Selection[];
}

export interface GraphQLDocument {
  operations: Operation[];
  fragments: Map<string, { typeCondition: string; selections: Selection[] }>;
}

export class GraphQLSyntaxError extends Error {
  readonly position: number;
  constructor(message: string, position: number) {
    super(`Syntax Error: ${message}`);
    this.name = 'GraphQLSyntaxError';
    this.position = position;
  }
}

type Token =
  | { kind: 'punct'; value: string; pos: number }
  | { kind: 'name'; value: string; pos: number }
  | { kind: 'int' | 'float'; value: string; pos: number }
  | { kind: 'string'; value: string; pos: number }
  | { kind: 'eof'; value: ''; pos: number };

const PUNCT = new Set(['!', '$', '(', ')', ':', '=', '@', '[', ']', '{', '}', '|', '&']);

function lex(src: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === ',' || c === '\ufeff') {
      i++;
    } else if (c === '#') {
      while (i < src.length && src[i] !== '\n' && src[i] !== '\r') i++;
    } else if (c === '.') {
      if (src.startsWith('...', i)) {
        tokens.push({ kind: 'punct', value: '...', pos: i });
        i += 3;
      } else throw new GraphQLSyntaxError('Unexpected "."', i);
    } else if (PUNCT.has(c)) {
      tokens.push({ kind: 'punct', value: c, pos: i });
      i++;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_]*/.exec(src.slice(i)) as RegExpExecArray;
      tokens.push({ kind: 'name', value: m[0], pos: i });
      i += m[0].length;
    } else if (/[-0-9]/.test(c)) {
      const m = /^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?/.exec(src.slice(i));
      if (!m) throw new GraphQLSyntaxError(`Invalid number`, i);
      tokens.push({ kind: m[2] || m[3] ? 'float' : 'int', value: m[0], pos: i });
      i += m[0].length;
    } else if (c === '"') {
      if (src.startsWith('"""', i)) {
        const end = src.indexOf('"""', i + 3);
        if (end < 0) throw new GraphQLSyntaxError('Unterminated string', i);
        tokens.push({ kind: 'string', value: blockString(src.slice(i + 3, end)), pos: i });
        i = end + 3;
      } else {
        let j = i + 1;
        let out = '';
        for (;;) {
          if (j >= src.length || src[j] === '\n' || src[j] === '\r') throw new GraphQLSyntaxError('Unterminated string', i);
          const d = src[j] as string;
          if (d === '"') break;
          if (d === '\\') {
            const e = src[j + 1];
            const simple: Record<string, string> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };
            if (e !== undefined && e in simple) {
              out += simple[e];
              j += 2;
            } else if (e === 'u' && /^[0-9a-fA-F]{4}$/.test(src.slice(j + 2, j + 6))) {
              out += String.fromCharCode(parseInt(src.slice(j + 2, j + 6), 16));
              j += 6;
            } else throw new GraphQLSyntaxError('Invalid escape sequence', j);
          } else {
            out += d;
            j++;
          }
        }
        tokens.push({ kind: 'string', value: out, pos: i });
        i = j + 1;
      }
    } else {
      throw new GraphQLSyntaxError(`Unexpected character "${c}"`, i);
    }
  }
  tokens.push({ kind: 'eof', value: '', pos: src.length });
  return tokens;
}

/** Block-string value: common indentation and blank first/last lines removed (spec §2.9.4, simplified). */
function blockString(raw: string): string {
  const lines = raw.replace(/\\"""/g, '"""').split(/\r\n|\n|\r/);
  const indents = lines.slice(1).filter((l) => l.trim() !== '').map((l) => /^[ \t]*/.exec(l)?.[0].length ?? 0);
  const common = indents.length > 0 ? Math.min(...indents) : 0;
  const out = lines.map((l, i) => (i === 0 ? l : l.slice(common)));
  while (out.length > 0 && (out[0] ?? '').trim() === '') out.shift();
  while (out.length > 0 && (out[out.length - 1] ?? '').trim() === '') out.pop();
  return out.join('\n');
}

class Parser {
  private i = 0;
  private readonly t: Token[];
  constructor(tokens: Token[]) {
    this.t = tokens;
  }

  private peek(): Token {
    return this.t[this.i] as Token;
  }
  private next(): Token {
    return this.t[this.i++] as Token;
  }
  private is(value: string): boolean {
    const tok = this.peek();
    return tok.kind === 'punct' && tok.value === value;
  }
  private expect(value: string): void {
    const tok = this.next();
    if (tok.kind !== 'punct' || tok.value !== value) throw new GraphQLSyntaxError(`Expected "${value}", found ${describe(tok)}`, tok.pos);
  }
  private name(): string {
    const tok = this.next();
    if (tok.kind !== 'name') throw new GraphQLSyntaxError(`Expected Name, found ${describe(tok)}`, tok.pos);
    return tok.value;
  }

  document(): GraphQLDocument {
    const doc: GraphQLDocument = { operations: [], fragments: new Map() };
    while (this.peek().kind !== 'eof') {
      const tok = this.peek();
      if (this.is('{')) {
        doc.operations.push({ type: 'query', name: undefined, variables: [], selections: this.selectionSet() });
      } else if (tok.kind === 'name' && (tok.value === 'query' || tok.value === 'mutation' || tok.value === 'subscription')) {
        this.next();
        const name = this.peek().kind === 'name' ? this.name() : undefined;
        const variables = this.is('(') ? this.variableDefinitions() : [];
        this.directives();
        doc.operations.push({ type: tok.value, name, variables, selections: this.selectionSet() });
      } else if (tok.kind === 'name' && tok.value === 'fragment') {
        this.next();
        const name = this.name();
        if (this.name() !== 'on') throw new GraphQLSyntaxError('Expected "on"', this.peek().pos);
        const typeCondition = this.name();
        this.directives();
        doc.fragments.set(name, { typeCondition, selections: this.selectionSet() });
      } else {
        throw new GraphQLSyntaxError(`Unexpected ${describe(tok)}`, tok.pos);
      }
    }
    if (doc.operations.length === 0) throw new GraphQLSyntaxError('Document has no operation', 0);
    return doc;
  }

  private variableDefinitions(): VariableDefinition[] {
    this.expect('(');
    const out: VariableDefinition[] = [];
    while (!this.is(')')) {
      this.expect('$');
      const name = this.name();
      this.expect(':');
      const type = this.type();
      let defaultValue: ValueNode | undefined;
      if (this.is('=')) {
        this.next();
        defaultValue = this.value(true);
      }
      this.directives();
      out.push({ name, type, defaultValue });
    }
    this.expect(')');
    return out;
  }

  private type(): string {
    let t: string;
    if (this.is('[')) {
      this.next();
      t = `[${this.type()}]`;
      this.expect(']');
    } else t = this.name();
    if (this.is('!')) {
      this.next();
      t += '!';
    }
    return t;
  }

  private directives(): Directive[] {
    const out: Directive[] = [];
    while (this.is('@')) {
      this.next();
      out.push({ name: this.name(), args: this.is('(') ? this.arguments() : {} });
    }
    return out;
  }

  private selectionSet(): Selection[] {
    this.expect('{');
    const out: Selection[] = [];
    while (!this.is('}')) out.push(this.selection());
    this.expect('}');
    if (out.length === 0) throw new GraphQLSyntaxError('Expected a selection', this.peek().pos);
    return out;
  }

  private selection(): Selection {
    if (this.is('...')) {
      this.next();
      const tok = this.peek();
      if (tok.kind === 'name' && tok.value === 'on') {
        this.next();
        const typeCondition = this.name();
        return { kind: 'inline', typeCondition, directives: this.directives(), selections: this.selectionSet() };
      }
      if (tok.kind === 'name') {
        const name = this.name();
        return { kind: 'spread', name, directives: this.directives() };
      }
      return { kind: 'inline', typeCondition: undefined, directives: this.directives(), selections: this.selectionSet() };
    }
    let name = this.name();
    let alias: string | undefined;
    if (this.is(':')) {
      this.next();
      alias = name;
      name = this.name();
    }
    const args = this.is('(') ? this.arguments() : {};
    const directives = this.directives();
    const selections = this.is('{') ? this.selectionSet() : undefined;
    return { kind: 'field', alias, name, args, directives, selections };
  }

  private arguments(): Record<string, ValueNode> {
    this.expect('(');
    const out: Record<string, ValueNode> = {};
    while (!this.is(')')) {
      const name = this.name();
      this.expect(':');
      out[name] = this.value(false);
    }
    this.expect(')');
    return out;
  }

  private value(isConst: boolean): ValueNode {
    const tok = this.next();
    switch (tok.kind) {
      case 'punct':
        if (tok.value === '$' && !isConst) return { kind: 'variable', name: this.name() };
        if (tok.value === '[') {
          const items: ValueNode[] = [];
          while (!this.is(']')) items.push(this.value(isConst));
          this.next();
          return { kind: 'list', items };
        }
        if (tok.value === '{') {
          const fields: Record<string, ValueNode> = {};
          while (!this.is('}')) {
            const n = this.name();
            this.expect(':');
            fields[n] = this.value(isConst);
          }
          this.next();
          return { kind: 'object', fields };
        }
        throw new GraphQLSyntaxError(`Unexpected ${describe(tok)}`, tok.pos);
      case 'int':
        return { kind: 'const', value: parseInt(tok.value, 10) };
      case 'float':
        return { kind: 'const', value: parseFloat(tok.value) };
      case 'string':
        return { kind: 'const', value: tok.value };
      case 'name':
        if (tok.value === 'true' || tok.value === 'false') return { kind: 'const', value: tok.value === 'true' };
        if (tok.value === 'null') return { kind: 'const', value: null };
        return { kind: 'enum', value: tok.value };
      case 'eof':
        throw new GraphQLSyntaxError('Unexpected <EOF>', tok.pos);
    }
  }
}

function describe(t: Token): string {
  return t.kind === 'eof' ? '<EOF>' : `"${t.value}"`;
}

export function parseGraphQL(source: string): GraphQLDocument {
  return new Parser(lex(source)).document();
}
