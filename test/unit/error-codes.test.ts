import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/error-codes.ts';
import { AppError, isAppError } from '../../src/errors.ts';

const DOMAINS = ['BC', 'FETCH', 'EVENT', 'RULES', 'STORE', 'WEBHOOK', 'APP', 'SANDBOX'];
const entries = Object.entries(ErrorCode);
const source = readFileSync(new URL('../../src/error-codes.ts', import.meta.url), 'utf8');

describe('ErrorCode registry', () => {
  it('has codes', () => expect(entries.length).toBeGreaterThan(30));

  it.each(entries)('%s is its own value, UPPER_SNAKE with a known domain prefix', (key, value) => {
    expect(value).toBe(key);
    expect(value).toMatch(/^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$/);
    expect(DOMAINS).toContain(value.split('_')[0]);
  });

  it('has no duplicate values', () => {
    const values = entries.map(([, v]) => v);
    expect(new Set(values).size).toBe(values.length);
  });

  it.each(entries)('%s has a doc line saying what it means', (key) => {
    expect(source).toMatch(new RegExp(`/\\*\\* [^\\n]+ \\*/\\n\\s+${key}: '`));
  });

  it('has no code that nothing in src/ raises or matches', () => {
    const srcDir = new URL('../../src/', import.meta.url).pathname;
    const uses = readdirSync(srcDir, { recursive: true, encoding: 'utf8' })
      .filter((f) => f.endsWith('.ts') && f !== 'error-codes.ts')
      .map((f) => readFileSync(join(srcDir, f), 'utf8'))
      .join('\n');
    expect(entries.map(([key]) => key).filter((key) => !uses.includes(`ErrorCode.${key}`))).toEqual([]);
  });

  it('is what AppError carries and isAppError matches', () => {
    const e = new AppError(ErrorCode.BC_NOT_FOUND, 'gone');
    expect(isAppError(e, ErrorCode.BC_NOT_FOUND)).toBe(true);
    expect(isAppError(e, ErrorCode.BC_RATE_LIMITED)).toBe(false);
    // A code outside the registry does not compile (checked by `npm run typecheck`, which covers test/).
    // @ts-expect-error 'BC_NOT_FOUNDD' is not an ErrorCode
    expect(new AppError('BC_NOT_FOUNDD', 'typo').code).toBe('BC_NOT_FOUNDD');
  });
});
