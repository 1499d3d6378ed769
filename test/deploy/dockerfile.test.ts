// Static checks of the Dockerfile (no Docker engine here; production-install.test.ts replays its
// steps): stages, bases, a production-only install, and one Node major everywhere.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

const ROOT = join(import.meta.dirname, '..', '..');
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const dockerignore = readFileSync(join(ROOT, '.dockerignore'), 'utf8').split('\n').map((l) => l.trim());
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; devDependencies: Record<string, string>; scripts: Record<string, string> };

/** Instructions with line continuations joined and comments dropped. */
const instructions = dockerfile
  .replace(/\\\n/g, ' ')
  .split('\n')
  .map((l) => l.trim())
  .filter((l) => l && !l.startsWith('#'));
const stages = instructions.filter((l) => l.startsWith('FROM '));
const runtime = instructions.slice(instructions.lastIndexOf(stages.at(-1)!));

describe('Dockerfile', () => {
  it('builds on node:24-slim and runs on distroless Node 24 as nonroot', () => {
    expect(stages).toEqual(['FROM node:24-slim AS deps', 'FROM node:24-slim AS build', 'FROM gcr.io/distroless/nodejs24-debian13:nonroot']);
    expect(runtime).toContain('USER nonroot');
  });

  it('installs production dependencies only for the runtime, and checks the `node` package is absent', () => {
    const deps = instructions.find((l) => l.startsWith('RUN npm ci --omit=dev'));
    expect(deps).toBeDefined();
    expect(deps).toContain('test ! -e node_modules/node');
    expect(runtime).toContain('COPY --from=deps /app/node_modules ./node_modules');
    expect(runtime.some((l) => /COPY --from=build \/app\/node_modules/.test(l))).toBe(false);
  });

  it('ships dist and package.json (its "type": "module" makes dist ESM) and starts dist/main.js', () => {
    expect(runtime).toContain('COPY --from=build /app/dist ./dist');
    expect(runtime).toContain('COPY --from=deps /app/package.json ./package.json');
    expect(runtime.at(-1)).toBe('CMD ["dist/main.js"]');
    expect(pkg.scripts.start).toBe('node dist/main.js');
  });

  it('uses one Node major: engines, the `node` devDependency, the images and Cloud Build', () => {
    const major = /^>=(\d+) <(\d+)$/.exec(pkg.engines.node);
    expect(major?.[1]).toBe('24');
    expect(pkg.devDependencies.node).toMatch(/^\^24\./);
    expect(readFileSync(join(ROOT, 'cloudbuild.yaml'), 'utf8')).toContain('name: node:24-slim');
  });

  it('keeps the build context small and free of local state', () => {
    for (const entry of ['**/node_modules', 'dist', '.git', 'terraform', 'test', '.ci-bin']) expect(dockerignore).toContain(entry);
    // ...but never ignores what the build needs.
    for (const needed of ['src', 'package.json', 'package-lock.json', 'tsconfig.json', 'tsconfig.build.json']) expect(dockerignore).not.toContain(needed);
  });
});
