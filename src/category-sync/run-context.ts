/**
 * What the scheduler hands a run. A long run (a big store's chunks, a full-sync page loop) calls
 * `yieldSlot()` between chunks: when other stores are waiting and this run has held its slot for
 * `sliceMs`, the slot goes to the longest-waiting store and the promise resolves once this store's
 * turn comes round again (its lease and in-memory cursor stay with it meanwhile). Otherwise it
 * resolves at once. It never rejects. `signal` aborts when the scheduler stops: the run should end
 * at its next chunk boundary (durable progress makes that safe).
 */
export interface RunContext {
  yieldSlot(): Promise<void>;
  signal: AbortSignal;
}
