import type { EventPlan } from './plan-event-writes.ts';

export interface Rejection {
  reason: string;
  messageId: string | undefined;
  /** The first bytes of the message, for inspection (bounded). */
  sample: string;
  receivedAtMs: number;
  expireAtMs: number;
}

/** Durable side of ingest: dedupe markers, pending products, rejections. */
export interface EventStore {
  /** Commits the plan atomically. 'duplicate' when the marker already exists (nothing written). */
  record(plan: EventPlan): Promise<'stored' | 'duplicate'>;
  /** Idempotent per message id (a redelivered bad message overwrites its own record). */
  recordRejection(rejection: Rejection): Promise<void>;
  /** Pending product count per store hash. */
  pendingCounts(): Promise<Record<string, number>>;
}
