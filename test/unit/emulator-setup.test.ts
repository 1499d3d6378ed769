import { describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';

// `npm run local` and the test setup must say what to install when the emulators are missing.
describe('emulator setup errors', () => {
  it('names the component to install when the SDK has no emulators', () => {
    const emptySdk = mkdtempSync(join(tmpdir(), 'sdk-'));
    const script = `import { startEmulator } from ${JSON.stringify(join(import.meta.dirname, '../../scripts/lib/emulators.ts'))};
      try { await startEmulator('pubsub'); } catch (e) { console.log(e.constructor.name + ': ' + e.message); }
      try { await startEmulator('firestore'); } catch (e) { console.log(e.constructor.name + ': ' + e.message); }`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env: { ...process.env, CLOUDSDK_ROOT: emptySdk }, encoding: 'utf8' });
    expect(r.stdout).toMatch(/EmulatorSetupError: Pub\/Sub emulator not found .*gcloud components install pubsub-emulator/);
    expect(r.stdout).toMatch(/EmulatorSetupError: Firestore emulator not found .*cloud-firestore-emulator/);
  });
});
