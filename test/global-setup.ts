// Starts one Pub/Sub and one Firestore emulator for the whole run on free ports. Test files
// isolate themselves by project id (`demo-<name>`), so files can run in parallel.
import type { TestProject } from 'vitest/node';
import { join } from 'node:path';
import { startEmulator, stopEmulator, stopEmulatorAndWait, reapStale, writePids, forgetPids, type Emulator } from '../scripts/lib/emulators.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    pubsubHost: string;
    firestoreHost: string;
  }
}

const PID_DIR = join(process.cwd(), 'node_modules', '.cache', 'emulators');
let emulators: Emulator[] = [];
const killAll = () => emulators.forEach((e) => stopEmulator(e, 'SIGKILL'));

export default async function setup(project: TestProject) {
  reapStale(PID_DIR);
  // The suite's heavy files (the storm, the scale acceptance tests, fairness) share this Firestore
  // emulator, which slows badly and may stop answering under sustained load with its default 256 MB
  // heap (reference/emulators.md): give it 1 GB unless EMULATOR_JAVA_OPTS says otherwise.
  process.env.EMULATOR_JAVA_OPTS ??= '-Xmx1g';
  const started = await Promise.allSettled([startEmulator('pubsub'), startEmulator('firestore')]);
  emulators = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = started.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(emulators.map((e) => stopEmulatorAndWait(e)));
    throw failed.reason;
  }
  const [pubsub, firestore] = emulators as [Emulator, Emulator];
  writePids(PID_DIR, emulators.map((e) => e.child.pid!));
  // Workers are forked after globalSetup, so they inherit these.
  process.env.PUBSUB_EMULATOR_HOST = pubsub.host;
  process.env.FIRESTORE_EMULATOR_HOST = firestore.host;
  process.env.METADATA_SERVER_DETECTION = 'none';
  project.provide('pubsubHost', pubsub.host);
  project.provide('firestoreHost', firestore.host);
  process.once('exit', killAll);
  return async () => {
    await Promise.all(emulators.map((e) => stopEmulatorAndWait(e)));
    process.removeListener('exit', killAll);
    forgetPids(PID_DIR);
  };
}
