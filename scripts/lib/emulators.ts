// Starts the real Google Cloud Pub/Sub and Firestore emulators as plain `java` processes
// (PID == JVM, own process group), so stopping them never orphans a JVM. Used by the test
// globalSetup and by `npm run local`. Measured behaviour behind every choice here is in
// ../shared/reference/emulators.md (BindException handling, readiness = log line AND `GET /` = Ok).
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { existsSync, readdirSync, readFileSync, writeFileSync, mkdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';

export type EmulatorKind = 'pubsub' | 'firestore';

export interface Emulator {
  kind: EmulatorKind;
  host: string;
  port: number;
  child: ChildProcess;
  log: () => string;
}

export class EmulatorSetupError extends Error {}

let cachedRoot: string | undefined;

/** The Cloud SDK root, from CLOUDSDK_ROOT or `gcloud info` (0.7 s, so cached). */
export function sdkRoot(): string {
  if (cachedRoot) return cachedRoot;
  const fromEnv = process.env.CLOUDSDK_ROOT;
  if (fromEnv) return (cachedRoot = fromEnv);
  try {
    cachedRoot = execFileSync('gcloud', ['info', '--format=value(installation.sdk_root)'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    throw new EmulatorSetupError(
      'gcloud was not found. Install the Google Cloud CLI with its emulators ' +
        '(`gcloud components install pubsub-emulator cloud-firestore-emulator`, or the Debian packages ' +
        '`google-cloud-cli-pubsub-emulator google-cloud-cli-firestore-emulator`), or set CLOUDSDK_ROOT.',
    );
  }
  return cachedRoot;
}

export function checkJava(): void {
  try {
    execFileSync('java', ['-version'], { stdio: 'ignore' });
  } catch {
    throw new EmulatorSetupError('java was not found on PATH. The emulators need a Java 17+ runtime (e.g. `apt-get install openjdk-17-jre-headless`).');
  }
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.unref();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

const jvmOptions = () => (process.env.EMULATOR_JAVA_OPTS ?? '-Xmx256m').split(' ').filter(Boolean);

function javaArgs(kind: EmulatorKind, root: string, port: number): string[] {
  if (kind === 'pubsub') {
    const lib = join(root, 'platform/pubsub-emulator/lib');
    const jar = existsSync(lib) ? readdirSync(lib).find((f) => f.startsWith('cloud-pubsub-emulator') && f.endsWith('.jar')) : undefined;
    if (!jar) {
      throw new EmulatorSetupError(`Pub/Sub emulator not found under ${lib}. Install it: \`gcloud components install pubsub-emulator\` (or the Debian package google-cloud-cli-pubsub-emulator).`);
    }
    return [...jvmOptions(), '-jar', join(lib, jar), '--host=127.0.0.1', `--port=${port}`];
  }
  const jar = join(root, 'platform/cloud-firestore-emulator/cloud-firestore-emulator.jar');
  if (!existsSync(jar)) {
    throw new EmulatorSetupError(`Firestore emulator not found at ${jar}. Install it: \`gcloud components install cloud-firestore-emulator\` (or the Debian package google-cloud-cli-firestore-emulator).`);
  }
  return [...jvmOptions(), '-Duser.language=en', '-cp', jar, 'com.google.cloud.datastore.emulator.firestore.CloudFirestore', 'start', '--host=127.0.0.1', `--port=${port}`];
}

const READY: Record<EmulatorKind, RegExp> = {
  pubsub: /Server started, listening on \d+/,
  firestore: /Dev App Server is now running/,
};

export async function startEmulator(kind: EmulatorKind, opts: { port?: number; timeoutMs?: number } = {}): Promise<Emulator> {
  checkJava();
  const root = sdkRoot();
  const port = opts.port ?? (await freePort());
  const timeoutMs = opts.timeoutMs ?? 30_000;
  const child = spawn('java', javaArgs(kind, root, port), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let log = '';
  const onData = (b: Buffer) => {
    log = (log + b.toString()).slice(-100_000);
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);
  let exited: number | null = null;
  child.on('exit', (code) => {
    exited = code ?? -1;
  });
  const emu: Emulator = { kind, host: `127.0.0.1:${port}`, port, child, log: () => log };
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    // The Pub/Sub emulator keeps running after "Address already in use": detect it and kill it ourselves.
    if (/BindException|Address already in use/.test(log)) {
      stopEmulator(emu, 'SIGKILL');
      throw new EmulatorSetupError(`${kind} emulator: port ${port} is already in use (another emulator running?)\n${log.slice(-1500)}`);
    }
    if (exited !== null) throw new EmulatorSetupError(`${kind} emulator exited with ${String(exited)}\n${log.slice(-1500)}`);
    if (READY[kind].test(log)) {
      try {
        const r = await fetch(`http://${emu.host}/`, { signal: AbortSignal.timeout(500) });
        if (r.ok && (await r.text()).trim() === 'Ok') return emu;
      } catch {
        // not serving yet
      }
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  stopEmulator(emu, 'SIGKILL');
  throw new EmulatorSetupError(`${kind} emulator not ready after ${timeoutMs} ms\n${log.slice(-1500)}`);
}

export function stopEmulator(e: Emulator, signal: NodeJS.Signals = 'SIGTERM'): void {
  if (e.child.pid && e.child.exitCode === null && e.child.signalCode === null) {
    try {
      process.kill(-e.child.pid, signal);
    } catch {
      // already gone
    }
  }
}

export async function stopEmulatorAndWait(e: Emulator, graceMs = 5_000): Promise<void> {
  if (e.child.exitCode !== null || e.child.signalCode !== null) return;
  const gone = new Promise<void>((r) => e.child.once('exit', () => r()));
  stopEmulator(e);
  const t = setTimeout(() => stopEmulator(e, 'SIGKILL'), graceMs);
  await gone;
  clearTimeout(t);
}

/**
 * A SIGKILLed runner leaves JVMs behind (re-parented to init). Each runner records its emulator PIDs
 * in `<dir>/<runnerPid>.json`; on start, files of runners that are no longer alive are reaped. Runs
 * that are alive (several test runs in one checkout) keep their emulators.
 */
export function reapStale(dir: string): number[] {
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => /^\d+\.json$/.test(f));
  } catch {
    return [];
  }
  const killed: number[] = [];
  for (const file of files) {
    const owner = Number(file.slice(0, -5));
    if (owner !== process.pid && isAlive(owner)) continue;
    let pids: number[];
    try {
      pids = JSON.parse(readFileSync(join(dir, file), 'utf8')) as number[];
    } catch {
      pids = [];
    }
    for (const pid of pids) {
      let cmd: string;
      try {
        cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      } catch {
        continue;
      }
      if (/cloud-pubsub-emulator|CloudFirestore/.test(cmd)) {
        try {
          process.kill(pid, 'SIGKILL');
          killed.push(pid);
        } catch {
          // gone meanwhile
        }
      }
    }
    rmSync(join(dir, file), { force: true });
  }
  return killed;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Records this runner's emulator PIDs (see reapStale). */
export function writePids(dir: string, pids: number[]): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${process.pid}.json`), JSON.stringify(pids));
}

/** Forgets this runner's PID file after a clean stop. */
export function forgetPids(dir: string): void {
  rmSync(join(dir, `${process.pid}.json`), { force: true });
}

/** Deletes every document of one project (7-40 ms for small data sets). */
export async function resetFirestore(host: string, projectId: string): Promise<void> {
  // The first call to a cold emulator JVM on a loaded machine sometimes has its socket closed: retry.
  for (let attempt = 1; ; attempt++) {
    try {
      const r = await fetch(`http://${host}/emulator/v1/projects/${projectId}/databases/(default)/documents`, { method: 'DELETE' });
      if (r.ok) return;
      throw new Error(`firestore reset failed: ${r.status}`);
    } catch (err) {
      if (attempt >= 5) throw err;
      await new Promise((r) => setTimeout(r, 200 * attempt));
    }
  }
}
