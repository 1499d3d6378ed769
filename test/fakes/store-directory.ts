// An in-memory StoreDirectory (stores/store-directory.ts): the stores a test sets, and what syncs record.
import type { StoreContext, StoreDirectory } from '../../src/stores/store-directory.ts';

export class FakeStoreDirectory implements StoreDirectory {
  private readonly stores = new Map<string, StoreContext>();
  readonly syncs: { storeHash: string; syncedAtMs: number; lastEventAtMs?: number | undefined; catalogTotal?: number | undefined }[] = [];

  set(store: Partial<StoreContext> & { storeHash: string }): void {
    this.stores.set(store.storeHash, { status: 'active', accessToken: undefined, ruleSet: undefined, catalogTotal: undefined, lastEventAtMs: undefined, ...store });
  }

  get(storeHash: string): Promise<StoreContext | undefined> {
    const s = this.stores.get(storeHash);
    return Promise.resolve(s && { ...s });
  }

  activeStores(): Promise<string[]> {
    return Promise.resolve([...this.stores.values()].filter((s) => s.status === 'active' && s.accessToken).map((s) => s.storeHash).sort());
  }

  recordSync(storeHash: string, info: { syncedAtMs: number; lastEventAtMs?: number | undefined; catalogTotal?: number | undefined }): Promise<void> {
    this.syncs.push({ storeHash, ...info });
    const s = this.stores.get(storeHash);
    if (s && info.catalogTotal !== undefined) s.catalogTotal = info.catalogTotal;
    return Promise.resolve();
  }
}
