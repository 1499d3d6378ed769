import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';

/** The built front end (web/, bundled by `npm run build:web`), held in memory: a few files, served at /app/assets/. */
export interface AppAssets {
  files: Map<string, { body: Buffer; type: string }>;
  /** Content hash of app.js: the shell's cache-busting query. */
  version: string;
}

const TYPES: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8', '.map': 'application/json', '.svg': 'image/svg+xml', '.png': 'image/png', '.woff2': 'font/woff2' };

/** Reads the bundle directory; undefined when it was not built (the shell then says so instead of a blank page). */
export function loadAppAssets(dir: string): AppAssets | undefined {
  if (!existsSync(join(dir, 'app.js'))) return undefined;
  const files = new Map<string, { body: Buffer; type: string }>();
  for (const name of readdirSync(dir)) {
    const type = TYPES[extname(name)];
    if (type && /^[A-Za-z0-9._-]+$/.test(name)) files.set(name, { body: readFileSync(join(dir, name)), type });
  }
  const version = createHash('sha256').update(files.get('app.js')!.body).digest('hex').slice(0, 12);
  return { files, version };
}

/** What the page needs to start: kept in memory by the page, never in a cookie or storage. */
export interface ShellSession {
  token: string;
  storeHash: string;
  expiresAtMs: number;
}

/** `<`, `>` and `&` escaped so the JSON cannot close the script element it sits in. */
const jsonForScript = (v: unknown) => JSON.stringify(v).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);

/**
 * The HTML `/load` answers with: the session as inert JSON (type application/json is never executed,
 * so a strict script-src CSP allows it) and the bundle. The bundle reads the session and removes the
 * element, so the token only lives in the page's memory.
 */
export function renderAppShell(session: ShellSession, assets: AppAssets | undefined): string {
  const head = '<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="no-referrer"><title>Automated Categories</title></head>';
  if (!assets) {
    return `${head}<body><h1>Automated Categories</h1><p>The app's front end is not built on this server (run npm run build:web).</p></body></html>`;
  }
  return `${head}<body><div id="root"></div><script type="application/json" id="app-session">${jsonForScript(session)}</script><script src="/app/assets/app.js?v=${assets.version}" defer></script></body></html>`;
}
