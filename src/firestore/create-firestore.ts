import { Firestore } from '@google-cloud/firestore';
import type { Config } from '../config.ts';

/** One Firestore client for the process. With FIRESTORE_EMULATOR_HOST the SDK talks plain gRPC to it. */
export function createFirestore(config: Pick<Config, 'projectId' | 'firestoreDatabaseId' | 'emulators'>): Firestore {
  return new Firestore({
    projectId: config.projectId,
    databaseId: config.firestoreDatabaseId,
    ...(config.emulators.firestore ? { host: config.emulators.firestore, ssl: false } : {}),
    ignoreUndefinedProperties: true,
  });
}
