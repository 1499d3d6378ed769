import { Timestamp, type Firestore } from '@google-cloud/firestore';
import { GrpcStatus, grpcCode } from '../errors.ts';
import { COLLECTIONS } from '../firestore/collections.ts';

/**
 * A store's full catalog sync as a durable job: one document `fullSyncJobs/{storeHash}` whose
 * `cursor` is the last product id done. The syncer advances it after each page is evaluated and
 * written, so a run that dies (SIGKILL, deploy, request timeout) is resumed by whoever runs the
 * store next from the cursor, re-reading at most the page that was in flight.
 */
export type FullSyncJobState = 'running' | 'done';

export interface FullSyncJob {
  storeHash: string;
  state: FullSyncJobState;
  /** Last product id evaluated and written (0 before the first page). */
  cursor: number;
  /** Products evaluated so far. */
  done: number;
  /** Catalog size as of the latest page (done + what the listing said remains); undefined before the first page. */
  total: number | undefined;
  /** Products whose categories changed. */
  changed: number;
  /** Catalog GETs spent. */
  requests: number;
  startedAtMs: number;
  updatedAtMs: number;
  finishedAtMs: number | undefined;
}

export interface JobProgressUpdate {
  cursor: number;
  done: number;
  total: number | undefined;
  changed: number;
  requests: number;
  finished: boolean;
}

export interface FullSyncJobStore {
  /** Starts a job unless one is running; a finished job is replaced. */
  start(storeHash: string, nowMs: number): Promise<{ started: boolean; job: FullSyncJob }>;
  get(storeHash: string): Promise<FullSyncJob | undefined>;
  /** Jobs still running, any store (the sweep drives them forward). */
  running(): Promise<FullSyncJob[]>;
  /** Jobs for /status: running ones and the most recently finished, at most `limit`. */
  recent(limit: number): Promise<FullSyncJob[]>;
  /** Records progress (the lease holder is the only writer). */
  advance(storeHash: string, update: JobProgressUpdate, nowMs: number): Promise<void>;
}

const ms = (v: unknown): number | undefined => (v instanceof Timestamp ? v.toMillis() : undefined);

function toJob(storeHash: string, d: Record<string, unknown>): FullSyncJob {
  return {
    storeHash,
    state: d.state === 'done' ? 'done' : 'running',
    cursor: typeof d.cursor === 'number' ? d.cursor : 0,
    done: typeof d.done === 'number' ? d.done : 0,
    total: typeof d.total === 'number' ? d.total : undefined,
    changed: typeof d.changed === 'number' ? d.changed : 0,
    requests: typeof d.requests === 'number' ? d.requests : 0,
    startedAtMs: ms(d.startedAt) ?? 0,
    updatedAtMs: ms(d.updatedAt) ?? 0,
    finishedAtMs: ms(d.finishedAt),
  };
}

export function createFirestoreFullSyncJobs(db: Firestore): FullSyncJobStore {
  const jobs = db.collection(COLLECTIONS.fullSyncJobs);
  const fresh = (storeHash: string, nowMs: number) => ({
    storeHash,
    state: 'running',
    cursor: 0,
    done: 0,
    total: null,
    changed: 0,
    requests: 0,
    startedAt: Timestamp.fromMillis(nowMs),
    updatedAt: Timestamp.fromMillis(nowMs),
    finishedAt: null,
  });

  return {
    async start(storeHash, nowMs) {
      const ref = jobs.doc(storeHash);
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          await ref.create(fresh(storeHash, nowMs));
          return { started: true, job: toJob(storeHash, fresh(storeHash, nowMs)) };
        } catch (err) {
          if (grpcCode(err) !== GrpcStatus.ALREADY_EXISTS) throw err;
        }
        const snap = await ref.get();
        if (!snap.exists) continue;
        const job = toJob(storeHash, snap.data() ?? {});
        if (job.state === 'running') return { started: false, job };
        try {
          // Replace the finished job, unless someone else just did.
          await ref.update(fresh(storeHash, nowMs), { lastUpdateTime: snap.updateTime! });
        } catch (err) {
          const code = grpcCode(err);
          if (code === GrpcStatus.FAILED_PRECONDITION || code === GrpcStatus.NOT_FOUND) continue;
          throw err;
        }
        return { started: true, job: toJob(storeHash, fresh(storeHash, nowMs)) };
      }
      const snap = await ref.get();
      return { started: false, job: toJob(storeHash, snap.data() ?? {}) };
    },

    async get(storeHash) {
      const snap = await jobs.doc(storeHash).get();
      return snap.exists ? toJob(storeHash, snap.data() ?? {}) : undefined;
    },

    async running() {
      const snap = await jobs.where('state', '==', 'running').get();
      return snap.docs.map((d) => toJob(d.id, d.data()));
    },

    async recent(limit) {
      const snap = await jobs.orderBy('updatedAt', 'desc').limit(limit).get();
      return snap.docs.map((d) => toJob(d.id, d.data()));
    },

    async advance(storeHash, u, nowMs) {
      await jobs.doc(storeHash).update({
        cursor: u.cursor,
        done: u.done,
        total: u.total ?? null,
        changed: u.changed,
        requests: u.requests,
        updatedAt: Timestamp.fromMillis(nowMs),
        ...(u.finished ? { state: 'done', finishedAt: Timestamp.fromMillis(nowMs) } : {}),
      });
    },
  };
}

/** What /status shows of a job: done / total, start, rate and ETA (pure, from the document alone). */
export interface JobProgress {
  state: FullSyncJobState;
  done: number;
  total: number | undefined;
  cursor: number;
  startedAt: string;
  finishedAt: string | undefined;
  /** Products per second since the start. */
  ratePerSecond: number | undefined;
  /** Seconds until done at that rate; undefined when unknown, 0 when finished. */
  etaSeconds: number | undefined;
}

export function jobProgress(job: FullSyncJob, nowMs: number): JobProgress {
  const endMs = job.finishedAtMs ?? nowMs;
  const elapsedS = (endMs - job.startedAtMs) / 1000;
  const rate = job.done > 0 && elapsedS > 0 ? job.done / elapsedS : undefined;
  const remaining = job.total === undefined ? undefined : Math.max(0, job.total - job.done);
  let eta: number | undefined;
  if (job.state === 'done') eta = 0;
  else if (remaining !== undefined && rate !== undefined) eta = Math.ceil(remaining / rate);
  return {
    state: job.state,
    done: job.done,
    total: job.total,
    cursor: job.cursor,
    startedAt: new Date(job.startedAtMs).toISOString(),
    finishedAt: job.finishedAtMs === undefined ? undefined : new Date(job.finishedAtMs).toISOString(),
    ratePerSecond: rate === undefined ? undefined : Math.round(rate * 10) / 10,
    etaSeconds: eta,
  };
}
