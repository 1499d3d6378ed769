// An in-memory EventStore (our own interface) with the Firestore adapter's semantics: a plan is
// committed atomically, a marker that exists makes the whole plan a 'duplicate' that writes
// nothing, a rejection is idempotent per message id. Used where thousands of cases must run in
// seconds (the property test); the Firestore adapter has its own tests on the emulator.
import type { EventStore, Rejection } from '../../src/events/event-store.ts';
import type { EventPlan, Marker, PendingTouch } from '../../src/events/plan-event-writes.ts';

export type StoreFault = 'none' | 'throws' | 'hangs';

export interface MemoryEventStore extends EventStore {
  markers: Map<string, Marker>;
  /** `${storeHash}/${productId}` -> the latest touch of that product. */
  pending: Map<string, Omit<PendingTouch, 'productIds'> & { productId: number }>;
  rejections: Map<string, Rejection>;
  /** Plans that returned 'stored', per marker id (exactly-once is checked on this). */
  storedCount: Map<string, number>;
  fault: StoreFault;
  clear(): void;
}

export function createMemoryEventStore(): MemoryEventStore {
  let anonymous = 0;
  const unavailable = () => Object.assign(new Error('memory store unavailable'), { code: 14 });
  const s: MemoryEventStore = {
    markers: new Map(),
    pending: new Map(),
    rejections: new Map(),
    storedCount: new Map(),
    fault: 'none',
    clear() {
      s.markers.clear();
      s.pending.clear();
      s.rejections.clear();
      s.storedCount.clear();
      s.fault = 'none';
    },
    record(plan: EventPlan) {
      if (s.fault === 'throws') return Promise.reject(unavailable());
      if (s.fault === 'hangs') return new Promise<never>(() => undefined);
      // Checked and written in one synchronous step: the same atomicity as the batch's create().
      if (s.markers.has(plan.marker.id)) return Promise.resolve('duplicate' as const);
      s.markers.set(plan.marker.id, plan.marker);
      const touch = plan.pending;
      if (touch) {
        const { productIds, ...rest } = touch;
        for (const productId of productIds) s.pending.set(`${touch.storeHash}/${productId}`, { ...rest, productId });
      }
      s.storedCount.set(plan.marker.id, (s.storedCount.get(plan.marker.id) ?? 0) + 1);
      return Promise.resolve('stored' as const);
    },
    recordRejection(r: Rejection) {
      if (s.fault === 'throws') return Promise.reject(unavailable());
      if (s.fault === 'hangs') return new Promise<never>(() => undefined);
      s.rejections.set(r.messageId ? `msg-${r.messageId}` : `anon-${++anonymous}`, r);
      return Promise.resolve();
    },
    pendingCounts() {
      const counts: Record<string, number> = {};
      for (const p of s.pending.values()) counts[p.storeHash] = (counts[p.storeHash] ?? 0) + 1;
      return Promise.resolve(counts);
    },
    droppedStores() {
      return Promise.resolve({});
    },
  };
  return s;
}
