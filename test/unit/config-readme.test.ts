import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../../src/config.ts';

/**
 * README.md's configuration table is the operator contract: every variable src/config.ts reads is in
 * it, and everything in it is read. (Nothing else in src/ reads the environment: ESLint allows
 * process.env only in config.ts, the sandbox, scripts and tests.)
 */
const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');

/** The variables named (in backticks) in the first column of the table under `heading`. */
function documentedVariables(markdown: string, heading: string): string[] {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start < 0) throw new Error(`README has no "${heading}" section`);
  const section = markdown.slice(start + heading.length + 2).split(/\n## /)[0] ?? '';
  const rows = section.split('\n').filter((l) => l.startsWith('|') && !/^\|\s*-/.test(l));
  const [header, ...body] = rows;
  if (!header || !/variable/i.test(header.split('|')[1] ?? '')) throw new Error(`no variable table under "${heading}"`);
  return body.flatMap((row) => [...(row.split('|')[1] ?? '').matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((m) => m[1]!));
}

describe('README configuration table', () => {
  const documented = documentedVariables(readme, '## Configuration (operator contract)');

  it('documents every variable config.ts reads', () => {
    expect(CONFIG_VARIABLES.filter((v) => !documented.includes(v))).toEqual([]);
  });

  it('documents only variables config.ts reads', () => {
    expect(documented.filter((v) => !CONFIG_VARIABLES.includes(v))).toEqual([]);
  });

  it('documents each variable once', () => {
    expect(documented.filter((v, i) => documented.indexOf(v) !== i)).toEqual([]);
  });

  it.each([
    ['a row the schema lacks', '| `PORT` | 8080 | port |\n| `NOT_READ` | — | x |', ['PORT', 'NOT_READ']],
    ['several variables in one row', '| `A_B`, `C_D` | 1, 2 | x |', ['A_B', 'C_D']],
    ['backticked values in other columns are not variables', '| `LOG_LEVEL` | `info` | `FOO_BAR` style |', ['LOG_LEVEL']],
  ])('reads %s', (_label, rows, expected) => {
    const md = `# x\n\n## Configuration (operator contract)\n\ntext\n\n| variable | default | meaning |\n|---|---|---|\n${rows}\n\n## Next\n\n| variable |\n|---|\n| \`LATER\` |\n`;
    expect(documentedVariables(md, '## Configuration (operator contract)')).toEqual(expected);
  });
});
