import { Firestore } from '@google-cloud/firestore';
import { inject } from 'vitest';
import { resetFirestore, startEmulator, stopEmulatorAndWait, type Emulator } from '../../scripts/lib/emulators.ts';

/** A Firestore client on the shared emulator, isolated by its own project id. */
export function testFirestore(projectId: string): { db: Firestore; reset: () => Promise<void> } {
  const host = inject('firestoreHost');
  const db = new Firestore({ projectId, host, ssl: false, ignoreUndefinedProperties: true });
  return { db, reset: () => resetFirestore(host, projectId) };
}

/**
 * A Firestore emulator of the test file's own, with a larger heap, for files that write tens of
 * thousands of documents (kept off the shared one). While it runs, FIRESTORE_EMULATOR_HOST points at
 * it (the SDK lets that variable override an explicit host); `stop()` puts the shared one back.
 */
export async function ownFirestore(projectId: string, opts: { heap?: string } = {}): Promise<{ db: Firestore; host: string; reset: () => Promise<void>; stop: () => Promise<void> }> {
  const sharedHost = process.env.FIRESTORE_EMULATOR_HOST;
  const sharedJavaOpts = process.env.EMULATOR_JAVA_OPTS;
  process.env.EMULATOR_JAVA_OPTS = `-Xmx${opts.heap ?? '1g'}`;
  let emulator: Emulator;
  try {
    emulator = await startEmulator('firestore');
  } finally {
    process.env.EMULATOR_JAVA_OPTS = sharedJavaOpts;
  }
  process.env.FIRESTORE_EMULATOR_HOST = emulator.host;
  const db = new Firestore({ projectId, host: emulator.host, ssl: false, ignoreUndefinedProperties: true });
  return {
    db,
    host: emulator.host,
    reset: () => resetFirestore(emulator.host, projectId),
    stop: async () => {
      await db.terminate();
      await stopEmulatorAndWait(emulator);
      process.env.FIRESTORE_EMULATOR_HOST = sharedHost;
    },
  };
}
