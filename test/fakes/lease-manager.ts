// An in-memory LeaseManager: one holder per store, like the Firestore lease (category-sync/sync-lease.ts).
// `takeOver` plays another instance taking an expired lease, so the holder sees `lost`.
import type { Lease, LeaseManager } from '../../src/category-sync/sync-lease.ts';

export class FakeLeaseManager implements LeaseManager {
  private readonly held = new Map<string, { lost: boolean }>();
  acquired = 0;
  released = 0;

  tryAcquire(storeHash: string): Promise<Lease | undefined> {
    if (this.held.has(storeHash)) return Promise.resolve(undefined);
    const state = { lost: false };
    this.held.set(storeHash, state);
    this.acquired++;
    return Promise.resolve({
      storeHash,
      get lost() {
        return state.lost;
      },
      release: () => {
        if (this.held.get(storeHash) === state) this.held.delete(storeHash);
        this.released++;
        return Promise.resolve();
      },
    });
  }

  isHeld(storeHash: string): boolean {
    return this.held.has(storeHash);
  }

  /** Another instance takes the store over: the current holder's lease is lost. */
  takeOver(storeHash: string): void {
    const state = this.held.get(storeHash);
    if (state) state.lost = true;
    this.held.set(storeHash, { lost: false });
  }
}
