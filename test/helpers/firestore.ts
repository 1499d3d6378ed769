import { Firestore } from '@google-cloud/firestore';
import { inject } from 'vitest';
import { resetFirestore } from '../../scripts/lib/emulators.ts';

/** A Firestore client on the shared emulator, isolated by its own project id. */
export function testFirestore(projectId: string): { db: Firestore; reset: () => Promise<void> } {
  const host = inject('firestoreHost');
  const db = new Firestore({ projectId, host, ssl: false, ignoreUndefinedProperties: true });
  return { db, reset: () => resetFirestore(host, projectId) };
}
