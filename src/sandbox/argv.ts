/**
 * A deliberately small argv parser for the sandbox tools: `--name value`, `--name=value`,
 * bare `--flag` (true) and `--no-flag` (false); everything else is positional. node:util parseArgs
 * cannot take arbitrary `--product-field value` pairs, which the CLI needs.
 */
export interface ParsedArgs {
  positionals: string[];
  flags: Record<string, string | boolean>;
}

export function parseArgv(argv: readonly string[]): ParsedArgs {
  const positionals: string[] = [];
  const flags: Record<string, string | boolean> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string;
    if (a === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!a.startsWith('--') || a.length === 2) {
      positionals.push(a);
      continue;
    }
    const body = a.slice(2);
    const eq = body.indexOf('=');
    if (eq >= 0) {
      flags[body.slice(0, eq)] = body.slice(eq + 1);
      continue;
    }
    const next = argv[i + 1];
    if (next !== undefined && !(next.startsWith('--') && next.length > 2)) {
      flags[body] = next;
      i++;
    } else if (body.startsWith('no-')) {
      flags[body.slice(3)] = false;
    } else {
      flags[body] = true;
    }
  }
  return { positionals, flags };
}

/** `'5'` -> 5, `'true'` -> true, `'1,2'` -> [1, 2] (for list-valued fields), else the string. */
export function coerceValue(v: string | boolean, opts: { list?: boolean } = {}): unknown {
  if (typeof v === 'boolean') return v;
  if (opts.list) {
    return v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean)
      .map((s) => (/^-?\d+(\.\d+)?$/.test(s) ? Number(s) : s));
  }
  if (v === 'true') return true;
  if (v === 'false') return false;
  if (v === 'null') return null;
  if (/^-?\d+(\.\d+)?$/.test(v)) return Number(v);
  return v;
}

export const kebabToSnake = (s: string) => s.replace(/-/g, '_');
export const kebabToCamel = (s: string) => s.replace(/-([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
