// Replays the Dockerfile outside Docker (no Docker engine on the dev machines): a production-only
// `npm ci --omit=dev` from package.json + package-lock.json into an empty directory, the build,
// then `node dist/main.js` from there against the Firestore emulator. Fails when a runtime import
// lives in devDependencies, when the service does not come up, or when SIGTERM is not a clean exit.
import { describe, it, expect, beforeAll, afterAll, inject } from 'vitest';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/emulators.ts';

const ROOT = join(import.meta.dirname, '..', '..');
/** The repo's Node 24 (from the `node` devDependency), standing in for the image's Node 24. */
const NODE24 = join(ROOT, 'node_modules', '.bin', 'node');
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { dependencies: Record<string, string> };

let dir: string;
let installLog = '';

function sh(cmd: string, args: string[], cwd: string, timeoutMs: number): string {
  const r = spawnSync(cmd, args, { cwd, encoding: 'utf8', timeout: timeoutMs, env: { ...process.env, npm_config_update_notifier: 'false' } });
  const out = `$ ${cmd} ${args.join(' ')}\n${r.stdout}\n${r.stderr}`;
  if (r.status !== 0) throw new Error(`exit ${r.status ?? r.signal}\n${out}`);
  return out;
}

/** Every bare module specifier imported by the built JavaScript (static and literal dynamic imports). */
function importedPackages(distDir: string): Map<string, string> {
  const found = new Map<string, string>();
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.js')) {
        const text = readFileSync(p, 'utf8');
        for (const m of text.matchAll(/(?:^|\n)\s*(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)|^\s*import\s*['"]([^'"]+)['"]/gm)) {
          const spec = m[1] ?? m[2] ?? m[3] ?? '';
          if (spec.startsWith('.') || spec.startsWith('node:') || builtinModules.includes(spec.split('/')[0]!)) continue;
          const name = spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0]!;
          if (!found.has(name)) found.set(name, p.slice(distDir.length + 1));
        }
      }
    }
  };
  walk(distDir);
  return found;
}

interface RunningService {
  child: ChildProcess;
  port: number;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  exit: () => { code: number | null; signal: NodeJS.Signals | null } | undefined;
  stdout: () => string;
  logs: () => string;
}

/** `node dist/main.js` from the production install, with a container-like clean environment. */
async function startService(): Promise<RunningService> {
  const port = await freePort();
  const env = {
    PATH: process.env.PATH,
    HOME: dir,
    NODE_ENV: 'production',
    PORT: String(port),
    PUSH_AUTH: 'none',
    GOOGLE_CLOUD_PROJECT: 'demo-prodinstall',
    FIRESTORE_EMULATOR_HOST: inject('firestoreHost'),
    METADATA_SERVER_DETECTION: 'none',
    LOG_LEVEL: 'info',
  };
  const child = spawn(NODE24, ['dist/main.js'], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let stdout = '';
  let stderr = '';
  let exit: { code: number | null; signal: NodeJS.Signals | null } | undefined;
  child.stdout.on('data', (b: Buffer) => (stdout += b.toString()));
  child.stderr.on('data', (b: Buffer) => (stderr += b.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => {
      exit = { code, signal };
      resolve(exit);
    }),
  );
  return {
    child,
    port,
    exited,
    exit: () => exit,
    stdout: () => stdout,
    logs: () => `exit=${JSON.stringify(exit)}\n--- stdout\n${stdout.slice(-4000)}\n--- stderr\n${stderr.slice(-4000)}`,
  };
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'prod-install-'));
  copyFileSync(join(ROOT, 'package.json'), join(dir, 'package.json'));
  copyFileSync(join(ROOT, 'package-lock.json'), join(dir, 'package-lock.json'));
  // The Dockerfile's `deps` stage. npm's cache makes repeated runs fast.
  installLog = sh('npm', ['ci', '--omit=dev', '--ignore-scripts=false', '--no-audit', '--no-fund'], dir, 180_000);
  // The Dockerfile's `build` stage (same tsconfig.build.json, output next to the production install).
  sh(NODE24, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', join(ROOT, 'tsconfig.build.json'), '--outDir', join(dir, 'dist')], ROOT, 180_000);
  // ... and its second step, the merchant app's bundle (npm run build = tsc + build:web).
  sh(NODE24, [join(ROOT, 'web', 'build.ts'), join(dir, 'dist', 'web')], ROOT, 180_000);
}, 360_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('production install (Dockerfile steps without Docker)', () => {
  it('installs no dev-only package (in particular not the `node` binary package)', () => {
    // dev-only per the lockfile: a devDependency that no production dependency also needs
    // (@types/node, for one, comes in legitimately through protobufjs).
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as { packages: Record<string, { dev?: boolean }> };
    const devOnly = Object.entries(lock.packages)
      .filter(([path, entry]) => path.startsWith('node_modules/') && entry.dev === true)
      .map(([path]) => path);
    expect(devOnly).toContain('node_modules/node');
    const installed = devOnly.filter((path) => existsSync(join(dir, path)));
    expect(installed, installLog).toEqual([]);
    expect(existsSync(join(dir, 'node_modules', 'node'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules', '.bin', 'node'))).toBe(false);
  });

  it('builds dist/main.js and the merchant app bundle dist/web/app.js', () => {
    expect(existsSync(join(dir, 'dist', 'main.js'))).toBe(true);
    expect(existsSync(join(dir, 'dist', 'web', 'app.js'))).toBe(true);
  });

  it('every package the built code imports is a production dependency', () => {
    const imported = importedPackages(join(dir, 'dist'));
    expect(imported.size).toBeGreaterThan(0);
    const notProd = [...imported].filter(([name]) => !(name in pkg.dependencies)).map(([name, file]) => `${name} (imported by dist/${file})`);
    expect(notProd, 'move these to "dependencies" or stop importing them from src/').toEqual([]);
  });

  it('starts from the production install, answers /healthz, and exits 0 on SIGTERM', async () => {
    const svc = await startService();
    try {
      await expect
        .poll(
          async () => {
            if (svc.exit()) throw new Error(`service exited before it was healthy\n${svc.logs()}`);
            try {
              return (await fetch(`http://127.0.0.1:${svc.port}/healthz`, { signal: AbortSignal.timeout(1_000) })).status;
            } catch {
              return 0;
            }
          },
          { timeout: 30_000, interval: 100 },
        )
        .toBe(200);

      // Production logging: JSON lines with a `message` (pino-pretty is a devDependency).
      const lines = svc.stdout().split('\n').filter(Boolean);
      expect(lines.length, svc.logs()).toBeGreaterThan(0);
      for (const line of lines) expect((JSON.parse(line) as { message?: unknown }).message, line).toBeTypeOf('string');

      const sentAt = Date.now();
      svc.child.kill('SIGTERM');
      const result = await Promise.race([svc.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 10_000))]);
      expect(result, svc.logs()).toEqual({ code: 0, signal: null });
      expect(Date.now() - sentAt).toBeLessThan(10_000);
    } finally {
      if (!svc.exit()) svc.child.kill('SIGKILL');
    }
  }, 60_000);

  // The check above is only worth something if a missing runtime package makes it fail.
  it('does not start when a runtime package is missing from the install', async () => {
    renameSync(join(dir, 'node_modules', 'fastify'), join(dir, 'node_modules', 'fastify.hidden'));
    try {
      const svc = await startService();
      const result = await Promise.race([svc.exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
      if (result === 'timeout') svc.child.kill('SIGKILL');
      expect(result).not.toBe('timeout');
      expect(result).not.toEqual({ code: 0, signal: null });
      expect(svc.logs()).toMatch(/Cannot find package 'fastify'|ERR_MODULE_NOT_FOUND/);
    } finally {
      renameSync(join(dir, 'node_modules', 'fastify.hidden'), join(dir, 'node_modules', 'fastify'));
    }
  }, 30_000);
});

describe('importedPackages (the dist import scanner)', () => {
  it('finds bare imports of every form and ignores relative and built-in ones', () => {
    const d = mkdtempSync(join(tmpdir(), 'scan-'));
    try {
      mkdirSync(join(d, 'sub'));
      writeFileSync(join(d, 'a.js'), "import { x } from 'zod';\nimport fs from 'node:fs';\nimport path from 'path';\nimport './b.js';\nexport * from '@google-cloud/pubsub/build/x.js';\n");
      writeFileSync(join(d, 'sub', 'c.js'), "const m = await import('pino-pretty');\nimport 'side-effect-pkg';\nimport {\n  a,\n  b,\n} from 'multi-line-pkg';\n");
      expect([...importedPackages(d).keys()].sort()).toEqual(['@google-cloud/pubsub', 'multi-line-pkg', 'pino-pretty', 'side-effect-pkg', 'zod']);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });
});
