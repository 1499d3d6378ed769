// cloudbuild.yaml parses, runs the steps in the right order, uses only defined substitutions, never
// lets a shell `$` be eaten by Cloud Build, and deploys the pushed image by digest.
import { describe, it, expect } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';

const ROOT = join(import.meta.dirname, '..', '..');

const StepSchema = z.object({
  id: z.string(),
  name: z.string(),
  entrypoint: z.string().optional(),
  args: z.array(z.string()).default([]),
  env: z.array(z.string()).default([]),
  waitFor: z.array(z.string()).optional(),
});
const BuildSchema = z.object({
  steps: z.array(StepSchema).min(1),
  images: z.array(z.string()).default([]),
  substitutions: z.record(z.string(), z.string()),
  options: z.object({ logging: z.string() }).loose(),
  timeout: z.string(),
});
type Build = z.infer<typeof BuildSchema>;

/** Substitutions Cloud Build provides itself (trigger builds). */
const BUILT_IN = ['PROJECT_ID', 'BUILD_ID', 'PROJECT_NUMBER', 'LOCATION', 'COMMIT_SHA', 'SHORT_SHA', 'REVISION_ID', 'REPO_NAME', 'REPO_FULL_NAME', 'BRANCH_NAME', 'TAG_NAME', 'REF_NAME', 'TRIGGER_NAME', 'TRIGGER_BUILD_CONFIG_PATH', 'SERVICE_ACCOUNT_EMAIL', 'SERVICE_ACCOUNT'];

const load = (text: string): Build => BuildSchema.parse(parse(text));
const build = load(readFileSync(join(ROOT, 'cloudbuild.yaml'), 'utf8'));
const step = (id: string) => build.steps.find((s) => s.id === id)!;
const text = (s: Build['steps'][number]) => [s.name, s.entrypoint ?? '', ...s.args, ...s.env].join('\n');

/**
 * Cloud Build substitutes `$NAME` / `${NAME}` everywhere; `$$` is a literal `$`. Returns the
 * substitution names used and any `$` that is neither (e.g. a shell `$(...)` written with one `$`).
 */
function substitutionsIn(s: string): { names: string[]; invalid: string[] } {
  const names: string[] = [];
  const invalid: string[] = [];
  for (let i = 0; i < s.length; i++) {
    if (s[i] !== '$') continue;
    if (s[i + 1] === '$') {
      i++;
      continue;
    }
    const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))/.exec(s.slice(i));
    if (m) names.push(m[1] ?? m[2]!);
    else invalid.push(s.slice(i, i + 12));
  }
  return { names, invalid };
}

/** Ids of every step that must finish before `id` starts (Cloud Build's waitFor semantics). */
function prerequisites(b: Build, id: string): Set<string> {
  const index = b.steps.findIndex((s) => s.id === id);
  const s = b.steps[index]!;
  // No waitFor: waits for all previous steps. ['-']: starts immediately.
  const direct = s.waitFor === undefined ? b.steps.slice(0, index).map((p) => p.id) : s.waitFor.filter((w) => w !== '-');
  const all = new Set(direct);
  for (const d of direct) for (const p of prerequisites(b, d)) all.add(p);
  return all;
}

describe('cloudbuild.yaml', () => {
  it('has the pipeline steps with unique ids', () => {
    const ids = build.steps.map((s) => s.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toEqual(expect.arrayContaining(['install', 'lint', 'typecheck', 'terraform-validate', 'test', 'build', 'push', 'deploy']));
  });

  it.each([
    ['lint', ['install']],
    ['typecheck', ['install']],
    ['test', ['install', 'lint', 'typecheck', 'terraform-validate']],
    ['build', ['test', 'lint', 'typecheck', 'install']],
    ['push', ['build', 'test']],
    ['deploy', ['push', 'build', 'test', 'lint', 'typecheck', 'terraform-validate']],
  ])('%s runs only after %j', (id, before) => {
    const pre = prerequisites(build, id);
    for (const b of before) expect(pre, `${id} must wait for ${b}`).toContain(b);
  });

  it('every waitFor names an earlier step', () => {
    build.steps.forEach((s, i) => {
      for (const w of s.waitFor ?? []) if (w !== '-') expect(build.steps.slice(0, i).map((p) => p.id), `${s.id} waits for ${w}`).toContain(w);
    });
  });

  it('uses only defined substitutions, and every shell $ is escaped as $$', () => {
    const defined = new Set([...BUILT_IN, ...Object.keys(build.substitutions)]);
    for (const key of Object.keys(build.substitutions)) expect(key, 'user substitutions start with _').toMatch(/^_[A-Z0-9_]+$/);
    for (const s of [...build.steps.map(text), ...build.images]) {
      const { names, invalid } = substitutionsIn(s);
      expect(invalid, s).toEqual([]);
      for (const n of names) expect(defined, `undefined substitution $${n}`).toContain(n);
    }
    for (const key of ['_REGION', '_SERVICE', '_REPOSITORY', '_IMAGE']) expect(build.substitutions).toHaveProperty(key);
  });

  it('runs the tests inside the emulators image with Node 24 from node_modules', () => {
    expect(build.substitutions._EMULATORS_IMAGE).toMatch(/^gcr\.io\/google\.com\/cloudsdktool\/google-cloud-cli:.*emulators$/);
    expect(step('test').name).toBe('${_EMULATORS_IMAGE}');
    expect(text(step('test'))).toContain('/workspace/node_modules/.bin');
    expect(text(step('test'))).toContain('vitest run');
    expect(step('install').name).toBe('node:24-slim');
  });

  it('tags the image with $COMMIT_SHA in the Artifact Registry repository', () => {
    const image = '${_REGION}-docker.pkg.dev/$PROJECT_ID/${_REPOSITORY}/${_IMAGE}:$COMMIT_SHA';
    expect(step('build').args).toContain(image);
    expect(text(step('push'))).toContain('docker push "$$image:$COMMIT_SHA"');
    expect(build.images).toEqual([image]);
  });

  it('deploys by digest: the push step records repo@sha256 and deploy updates the service with it', () => {
    const push = text(step('push'));
    expect(push).toContain('RepoDigests');
    expect(push).toContain('"$$image@sha256:"*');
    expect(push).toContain('> /workspace/image-ref.txt');
    const deploy = text(step('deploy'));
    expect(deploy).toMatch(/gcloud run services update '\$\{_SERVICE\}' --region='\$\{_REGION\}' --image="\$\$ref"/);
    expect(deploy).toContain('ref="$$(cat /workspace/image-ref.txt)"');
    // Never deploy the mutable tag.
    expect(deploy).not.toContain(':$COMMIT_SHA');
  });

  it('logs to Cloud Logging only (required with a user-managed build service account)', () => {
    expect(build.options.logging).toBe('CLOUD_LOGGING_ONLY');
  });
});

describe('substitutionsIn', () => {
  it.each([
    ['plain', 'no dollars', [], []],
    ['braced and bare', '${_REGION}/$PROJECT_ID', ['_REGION', 'PROJECT_ID'], []],
    ['escaped shell', 'x="$$(cat f)" $$PATH', [], []],
    ['unescaped command substitution', 'x=$(cat f)', [], ['$(cat f)']],
    ['unescaped shell expansion', '"${x:-y}"', [], ['${x:-y}"']],
  ])('%s', (_name, input, names, invalid) => {
    expect(substitutionsIn(input)).toEqual({ names, invalid });
  });
});
