// Runs the real service (src/main.ts under Node 24's type stripping) as a child process, the way
// Cloud Run would: configured from the environment only, killable with any signal.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from '../../scripts/lib/emulators.ts';
import { waitFor } from './wait.ts';

export interface ServiceProcess {
  url: string;
  port: number;
  child: ChildProcess;
  /** Parsed JSON log lines so far (all incarnations). */
  logs: Record<string, unknown>[];
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** Starts a new incarnation on the same port after the previous one died. */
  restart(): Promise<void>;
}

const MAIN = join(import.meta.dirname, '..', '..', 'src', 'main.ts');

export async function startService(env: Record<string, string>, opts: { port?: number; logs?: Record<string, unknown>[]; nodeArgs?: string[] } = {}): Promise<ServiceProcess> {
  const port = opts.port ?? (await freePort());
  const logs = opts.logs ?? [];
  let child!: ChildProcess;
  let stderr = '';

  const launch = async () => {
    stderr = '';
    child = spawn(process.execPath, [...(opts.nodeArgs ?? []), MAIN], {
      env: { ...process.env, LOG_PRETTY: 'false', LOG_LEVEL: 'info', ...env, PORT: String(port), HOST: '127.0.0.1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let buf = '';
    child.stdout?.on('data', (b: Buffer) => {
      buf += b.toString();
      let i;
      while ((i = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, i);
        buf = buf.slice(i + 1);
        try {
          logs.push(JSON.parse(line) as Record<string, unknown>);
        } catch {
          // not JSON (should not happen with LOG_PRETTY=false)
        }
      }
    });
    child.stderr?.on('data', (b: Buffer) => {
      stderr = (stderr + b.toString()).slice(-5000);
    });
    let exited = false;
    try {
      await waitFor(
        async () => {
          exited = child.exitCode !== null;
          if (exited) return true;
          return (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(500) })).ok;
        },
        { timeoutMs: 20_000, intervalMs: 50, what: 'GET /healthz' },
      );
    } catch {
      child.kill('SIGKILL');
      throw new Error(`service did not become healthy: ${stderr}`);
    }
    if (exited) throw new Error(`service exited with ${child.exitCode}: ${stderr}`);
  };
  await launch();

  const svc: ServiceProcess = {
    url: `http://127.0.0.1:${port}`,
    port,
    get child() {
      return child;
    },
    logs,
    stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
      return new Promise((resolve) => {
        child.once('exit', (code) => resolve(code));
        child.kill(signal);
      });
    },
    restart: launch,
  };
  return svc;
}
