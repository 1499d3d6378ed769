// The Terraform config passes `terraform fmt` and the offline schema/reference checker, and the
// checker catches each kind of mistake it claims to catch (seeded into temp copies of terraform/).
import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkTerraform, durationSeconds, formatProblem, interpolations, loadProviderSchema, type ProviderSchema, type TerraformProblem, type TfProblemCode } from '../../tools/terraform/check.ts';

const TF_DIR = join(import.meta.dirname, '..', '..', 'terraform');
const temps: string[] = [];
let schema: ProviderSchema;

beforeAll(() => {
  schema = loadProviderSchema();
});
afterAll(() => {
  for (const d of temps) rmSync(d, { recursive: true, force: true });
});

/** A copy of terraform/ with `edits` applied (each `from` must exist) and extra files added. */
function seeded(extraFiles: Record<string, string>, edits: [file: string, from: string, to: string][] = []): string {
  const dir = mkdtempSync(join(tmpdir(), 'tf-seeded-'));
  temps.push(dir);
  cpSync(TF_DIR, dir, { recursive: true, filter: (src) => !src.includes('.terraform') });
  for (const [file, from, to] of edits) {
    const path = join(dir, file);
    const text = readFileSync(path, 'utf8');
    if (!text.includes(from)) throw new Error(`seed: "${from}" not found in ${file}; update the test`);
    writeFileSync(path, text.replace(from, to));
  }
  for (const [name, text] of Object.entries(extraFiles)) writeFileSync(join(dir, name), text);
  return dir;
}

const terraformBinary = spawnSync('terraform', ['version'], { encoding: 'utf8' }).status === 0;

describe('terraform/', () => {
  it.skipIf(!terraformBinary)('is formatted (terraform fmt -check -recursive)', () => {
    const r = spawnSync('terraform', ['fmt', '-check', '-recursive', '-diff', TF_DIR], { encoding: 'utf8' });
    expect(r.stdout, 'run `terraform fmt -recursive terraform/`').toBe('');
    expect(r.status).toBe(0);
  });
  if (!terraformBinary) it.skip('terraform fmt: SKIPPED because the terraform binary is not on PATH', () => {});

  it('passes the offline schema and reference check', async () => {
    const problems = await checkTerraform(TF_DIR, { schema });
    expect(problems.map(formatProblem)).toEqual([]);
  });

  it('pins the provider version the checker schema was extracted from', () => {
    const versions = readFileSync(join(TF_DIR, 'versions.tf'), 'utf8');
    expect(schema.providerVersion).toBe('6.50.0');
    expect(schema.header).toContain('6.50.0');
    expect(versions).toMatch(/version\s*=\s*"~> 6\.50"/);
  });

  it('wires what the service contract needs', () => {
    const all = ['run.tf', 'pubsub.tf', 'scheduler.tf', 'firestore.tf'].map((f) => readFileSync(join(TF_DIR, f), 'utf8')).join('\n');
    for (const env of ['PUSH_AUTH', 'PUSH_AUDIENCE', 'PUSH_SERVICE_ACCOUNT', 'SCHEDULER_SERVICE_ACCOUNT', 'GOOGLE_CLOUD_PROJECT', 'WEBHOOK_TOPIC', 'FLUSH_TIMERS']) {
      expect(all, env).toContain(`"${env}"`);
    }
    for (const path of ['/pubsub/push', '/tasks/flush', '/tasks/full-sync', '/tasks/reconcile-webhooks']) expect(all).toContain(path);
    expect(all).toMatch(/ignore_changes\s*=\s*\[template\[0\]\.containers\[0\]\.image, client, client_version\]/);
    expect(all).toMatch(/expiration_policy \{\s*ttl = ""\s*\}/);
    expect(all).toMatch(/cpu_idle\s*=\s*var\.cpu_idle/);
  });
});

describe('checkTerraform on seeded mistakes', () => {
  const cases: { name: string; files?: Record<string, string>; edits?: [string, string, string][]; expect: { code: TfProblemCode; address: string; path?: string; message?: RegExp }[] }[] = [
    {
      name: 'unknown argument',
      edits: [['pubsub.tf', 'ack_deadline_seconds = var.push_ack_deadline_seconds', 'ack_deadline = var.push_ack_deadline_seconds']],
      expect: [{ code: 'TF_UNKNOWN_ARGUMENT', address: 'google_pubsub_subscription.push', path: 'ack_deadline', message: /did you mean "ack_deadline_seconds"/ }],
    },
    {
      name: 'missing required argument (top level)',
      files: { 'seeded.tf': 'resource "google_pubsub_subscription" "seeded" {\n  name = "x"\n}\n' },
      expect: [{ code: 'TF_MISSING_REQUIRED', address: 'google_pubsub_subscription.seeded', path: 'topic' }],
    },
    {
      name: 'missing required nested argument (containers.image)',
      edits: [['run.tf', '      image = var.initial_image\n', '']],
      expect: [{ code: 'TF_MISSING_REQUIRED', address: 'google_cloud_run_v2_service.main', path: 'template.containers.image' }],
    },
    {
      name: 'missing required block',
      files: { 'seeded.tf': 'resource "google_cloud_run_v2_service" "seeded" {\n  name     = "x"\n  location = "y"\n}\n' },
      expect: [{ code: 'TF_MISSING_REQUIRED', address: 'google_cloud_run_v2_service.seeded', path: 'template' }],
    },
    {
      name: 'unknown resource type',
      files: { 'seeded.tf': 'resource "google_pubsub_topicz" "seeded" {\n  name = "x"\n}\n' },
      expect: [{ code: 'TF_UNKNOWN_TYPE', address: 'google_pubsub_topicz.seeded', message: /did you mean "google_pubsub_topic"/ }],
    },
    {
      name: 'unknown data source type',
      files: { 'seeded.tf': 'data "google_projectt" "seeded" {}\n' },
      expect: [{ code: 'TF_UNKNOWN_TYPE', address: 'data.google_projectt.seeded' }],
    },
    {
      name: 'dangling resource reference',
      edits: [['pubsub.tf', 'dead_letter_topic     = google_pubsub_topic.dead_letter.id', 'dead_letter_topic     = google_pubsub_topic.missing.id']],
      expect: [{ code: 'TF_UNDECLARED_REFERENCE', address: 'google_pubsub_subscription.push', path: 'dead_letter_policy.dead_letter_topic' }],
    },
    {
      name: 'undeclared variable inside a string template',
      edits: [['pubsub.tf', '"${var.push_retry_minimum_backoff_seconds}s"', '"${var.push_retry_min_backoff}s"']],
      expect: [{ code: 'TF_UNDECLARED_REFERENCE', address: 'google_pubsub_subscription.push', path: 'retry_policy.minimum_backoff', message: /variable "push_retry_min_backoff"/ }],
    },
    {
      name: 'undeclared local',
      files: { 'seeded.tf': 'output "seeded" {\n  description = "d"\n  value       = local.nope\n}\n' },
      expect: [{ code: 'TF_UNDECLARED_REFERENCE', address: 'output.seeded', message: /local "nope"/ }],
    },
    {
      name: 'unknown nested block argument',
      edits: [['pubsub.tf', 'service_account_email = google_service_account.push.email', 'service_account = google_service_account.push.email']],
      expect: [
        { code: 'TF_UNKNOWN_ARGUMENT', address: 'google_pubsub_subscription.push', path: 'push_config.oidc_token.service_account' },
        { code: 'TF_MISSING_REQUIRED', address: 'google_pubsub_subscription.push', path: 'push_config.oidc_token.service_account_email' },
      ],
    },
    {
      name: 'unknown attribute of a resource',
      edits: [['outputs.tf', 'value       = google_pubsub_topic.webhooks.id', 'value       = google_pubsub_topic.webhooks.urn']],
      expect: [{ code: 'TF_UNKNOWN_ATTRIBUTE', address: 'output.bigcommerce_destination', message: /google_pubsub_topic\.webhooks has no attribute "urn"/ }],
    },
    {
      name: 'unknown attribute of a data source',
      edits: [['main.tf', '${data.google_project.this.number}', '${data.google_project.this.numbr}']],
      expect: [{ code: 'TF_UNKNOWN_ATTRIBUTE', address: 'local.pubsub_service_agent', message: /did you mean "number"/ }],
    },
    {
      name: 'block written as an attribute',
      files: { 'seeded.tf': 'resource "google_pubsub_subscription" "seeded" {\n  name  = "x"\n  topic = "t"\n  retry_policy = {\n    minimum_backoff = "10s"\n  }\n}\n' },
      expect: [{ code: 'TF_BLOCK_AS_ATTRIBUTE', address: 'google_pubsub_subscription.seeded', path: 'retry_policy' }],
    },
    {
      name: 'attribute written as a block',
      files: { 'seeded.tf': 'resource "google_pubsub_topic" "seeded" {\n  name = "x"\n  labels {\n    a = "b"\n  }\n}\n' },
      expect: [{ code: 'TF_ATTRIBUTE_AS_BLOCK', address: 'google_pubsub_topic.seeded', path: 'labels' }],
    },
    {
      name: 'read-only attribute set as an argument',
      files: { 'seeded.tf': 'resource "google_service_account" "seeded" {\n  account_id = "x"\n  email      = "x@y"\n}\n' },
      expect: [{ code: 'TF_UNKNOWN_ARGUMENT', address: 'google_service_account.seeded', path: 'email', message: /read-only/ }],
    },
    {
      name: 'dynamic block of an unknown name',
      files: { 'seeded.tf': 'resource "google_pubsub_topic" "seeded" {\n  name = "x"\n  dynamic "nope" {\n    for_each = []\n    content {}\n  }\n}\n' },
      expect: [{ code: 'TF_UNKNOWN_ARGUMENT', address: 'google_pubsub_topic.seeded', path: 'nope' }],
    },
    {
      name: 'dynamic iterator used outside its block',
      edits: [['run.tf', 'value = var.log_level', 'value = env.value']],
      expect: [{ code: 'TF_UNDECLARED_REFERENCE', address: 'google_cloud_run_v2_service.main', path: 'template.containers.env.value' }],
    },
    {
      name: 'syntax error',
      files: { 'seeded.tf': 'resource "google_pubsub_topic" "seeded" {\n  name = \n}\n' },
      expect: [{ code: 'TF_SYNTAX', address: '' }],
    },
    {
      name: 'duplicate declaration across files',
      files: { 'seeded.tf': 'resource "google_pubsub_topic" "webhooks" {\n  name = "x"\n}\n' },
      expect: [{ code: 'TF_DUPLICATE', address: 'google_pubsub_topic.webhooks' }],
    },
    {
      name: 'variable without type and description',
      files: { 'seeded.tf': 'variable "seeded" {\n  default = 1\n}\n' },
      expect: [
        { code: 'TF_STYLE', address: 'var.seeded', path: 'type' },
        { code: 'TF_STYLE', address: 'var.seeded', path: 'description' },
      ],
    },
    {
      name: 'a Scheduler deadline longer than the Cloud Run request timeout (the full-sync job once had 1800 s against 900 s)',
      edits: [['scheduler.tf', 'deadline    = "900s"', 'deadline    = "1800s"']],
      expect: [{ code: 'TF_DEADLINE', address: 'google_cloud_scheduler_job.tasks["full-sync"]', path: 'attempt_deadline', message: /1800s is longer than the Cloud Run request timeout 900s/ }],
    },
    {
      name: 'a request timeout (variable default) shorter than the Scheduler deadlines',
      edits: [['variables.tf', 'default     = 900\n', 'default     = 200\n']],
      expect: [
        { code: 'TF_DEADLINE', address: 'google_cloud_scheduler_job.tasks["reconcile-webhooks"]', message: /300s is longer than the Cloud Run request timeout 200s/ },
        { code: 'TF_DEADLINE', address: 'google_cloud_scheduler_job.tasks["full-sync"]', message: /900s is longer/ },
      ],
    },
    {
      name: 'a deadline the checker cannot resolve (never a silent pass)',
      edits: [['scheduler.tf', 'deadline    = "180s"', 'deadline    = "3 minutes"']],
      expect: [{ code: 'TF_DEADLINE', address: 'google_cloud_scheduler_job.tasks["flush"]', message: /cannot resolve/ }],
    },
    {
      name: 'a literal attempt_deadline on a job of its own',
      files: {
        'seeded.tf':
          'resource "google_cloud_scheduler_job" "seeded" {\n  name             = "x"\n  attempt_deadline = "1000s"\n  http_target {\n    uri = "${google_cloud_run_v2_service.main.uri}/tasks/flush"\n  }\n}\n',
      },
      expect: [{ code: 'TF_DEADLINE', address: 'google_cloud_scheduler_job.seeded', message: /1000s is longer than the Cloud Run request timeout 900s of google_cloud_run_v2_service.main/ }],
    },
    {
      name: 'a job calling something else than a service of this module is not compared',
      files: { 'seeded.tf': 'resource "google_cloud_scheduler_job" "seeded" {\n  name             = "x"\n  attempt_deadline = "1000s"\n  http_target {\n    uri = "https://example.com/hook"\n  }\n}\n' },
      expect: [],
    },
  ];

  it.each(cases)('$name', async (c) => {
    const problems: TerraformProblem[] = await checkTerraform(seeded(c.files ?? {}, c.edits), { schema });
    const shown = problems.map(formatProblem).join('\n');
    for (const e of c.expect) {
      const hit = problems.find((p) => p.code === e.code && p.address === e.address && (e.path === undefined || p.path === e.path) && (e.message === undefined || e.message.test(p.message)));
      expect(hit, `expected ${JSON.stringify({ ...e, message: e.message?.source })} among:\n${shown}`).toBeDefined();
    }
    // Nothing else breaks: each seed causes only the problems it is about.
    expect(problems.length, shown).toBe(c.expect.length);
  });

  it('accepts a dynamic block as the required block and its iterator inside it', async () => {
    const dir = seeded({
      'seeded.tf': [
        'resource "google_cloud_run_v2_service" "seeded" {',
        '  name     = "x"',
        '  location = "y"',
        '  dynamic "template" {',
        '    for_each = toset(["a"])',
        '    iterator = t',
        '    content {',
        '      labels = { k = t.value }',
        '      containers {',
        '        image = t.key',
        '      }',
        '    }',
        '  }',
        '}',
        '',
      ].join('\n'),
    });
    expect((await checkTerraform(dir, { schema })).map(formatProblem)).toEqual([]);
  });

  it('runs as a CLI: exit 0 on terraform/, 1 with the problems listed on a broken copy', () => {
    const run = (dir: string) => spawnSync(join(import.meta.dirname, '..', '..', 'node_modules', '.bin', 'node'), [join(import.meta.dirname, '..', '..', 'tools', 'terraform', 'check.ts'), dir], { encoding: 'utf8' });
    const ok = run(TF_DIR);
    expect(ok.stdout).toContain('0 problem(s)');
    expect(ok.status).toBe(0);
    const bad = run(seeded({ 'seeded.tf': 'resource "google_pubsub_topicz" "seeded" {\n  name = "x"\n}\n' }));
    expect(bad.stdout).toContain('TF_UNKNOWN_TYPE google_pubsub_topicz.seeded');
    expect(bad.status).toBe(1);
  });
});

describe('durationSeconds', () => {
  it.each([
    ['900s', 900],
    ['1.5s', 1.5],
    [' 30s ', 30],
    [60, 60],
    ['15m', undefined],
    ['', undefined],
    [undefined, undefined],
    ['${var.x}s', undefined],
  ] as const)('%j -> %j', (v, seconds) => {
    expect(durationSeconds(v)).toBe(seconds);
  });
});

describe('interpolations', () => {
  it.each([
    ['plain', 'no templates', []],
    ['one', '${var.a}/x', ['var.a']],
    ['two with quotes between', 'a="${var.a}" AND b="${local.b}"', ['var.a', 'local.b']],
    ['quoted braces inside', '${var.a ? "}" : "{"}', ['var.a ? "}" : "{"']],
    ['nested object', '${{ for k, v in var.m : k => v }}', ['{ for k, v in var.m : k => v }']],
    ['escaped literal', '$${not.a.ref} ${var.b}', ['var.b']],
    ['directive', '%{ if var.c }x%{ endif }', [' if var.c ', ' endif ']],
  ] as const)('%s', (_name, text, expected) => {
    expect(interpolations(text)).toEqual(expected);
  });
});

// Sanity: the committed schema is the extractor's output format (keeps the two files in step).
describe('google-provider-schema.json', () => {
  it('holds every type terraform/ declares', () => {
    const text = execFileSync('grep', ['-rhoE', '^(resource|data) "[a-z0-9_]+"', TF_DIR], { encoding: 'utf8' });
    for (const line of text.trim().split('\n')) {
      const [kind, quoted] = line.split(' ') as ['resource' | 'data', string];
      expect(schema[kind][quoted.replaceAll('"', '')], line).toBeDefined();
    }
  });
});
