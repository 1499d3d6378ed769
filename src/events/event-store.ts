import type { EventPlan } from './plan-event-writes.ts';

export interface Rejection {
  reason: string;
  messageId: string | undefined;
  /** The first bytes of the message, for inspection (bounded). */
  sample: string;
  receivedAtMs: number;
  expireAtMs: number;
}

export interface RecordOptions {
  /** Aborted when the caller's budget is spent: a large event stops issuing chunks (the redelivery resumes). */
  signal?: AbortSignal;
}

/** Pending work dropped for a store that will never be processed (see PendingStore.dropStore). */
export interface DroppedStore {
  reason: 'uninstalled' | 'unknown-store';
  /** Records dropped, summed over every drop in the record's lifetime (30 days since the last). */
  records: number;
  lastDroppedAt: string;
}

/** Durable side of ingest: dedupe markers, pending products, rejections. */
export interface EventStore {
  /**
   * Stores the plan: 'stored', or 'duplicate' when the event's marker already exists (nothing written).
   * Atomic for an event that fits one commit; a larger one is applied chunk by chunk, each exactly
   * once, marker last (plan-event-writes.ts `layoutWrites`). Throws a non-retryable AppError when
   * Firestore refuses the writes themselves, anything else when it may pass later.
   */
  record(plan: EventPlan, opts?: RecordOptions): Promise<'stored' | 'duplicate'>;
  /** Idempotent per message id (a redelivered bad message overwrites its own record). */
  recordRejection(rejection: Rejection): Promise<void>;
  /**
   * Stores with pending work and roughly how much: product events not yet processed (a product touched
   * twice counts twice), from the store index in O(stores). Approximate by design (store-index.ts).
   */
  pendingCounts(): Promise<Record<string, number>>;
  /** Stores whose pending work was dropped lately (uninstalled or unknown), newest first, bounded. */
  droppedStores(): Promise<Record<string, DroppedStore>>;
}
