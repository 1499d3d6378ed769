import type { ExistingWebhook } from '../bigcommerce/webhooks.ts';
import type { DesiredWebhooks } from './desired-webhooks.ts';

/** A webhook as the GraphQL listing shows it (reference §3.2); defined by the webhook resource. */
export type { ExistingWebhook };

export type ReconcileAction =
  | { kind: 'create'; scope: string; destination: string }
  | { kind: 'reactivate'; id: string; scope: string; destination: string }
  | { kind: 'delete'; id: string; scope: string; destination: string; reason: 'duplicate' | 'undesired' };

export interface ReconcilePlan {
  /** Creates and re-activations first, deletions last: a scope is never left without a hook. */
  actions: ReconcileAction[];
  /** Desired scopes whose hook existed but was inactive (a delivery gap: drives the backfill). */
  reactivated: string[];
  /** Desired scopes that had no hook of ours at all. */
  created: string[];
  /** Our active hooks that stay as they are. */
  unchanged: ExistingWebhook[];
  /** Our hooks on our destination with a scope no longer desired (deleted only with `prune`). */
  extraneous: ExistingWebhook[];
  /** Hooks we do not touch: other API accounts' hooks, and ours to other destinations. */
  foreign: ExistingWebhook[];
}

export interface PlanReconcileOptions {
  /** Our app's client id (BIGCOMMERCE_CLIENT_ID); undefined when unknown (single-store API account). */
  ownClientId: string | undefined;
  /** Also delete our hooks on our destination whose scope is no longer desired (default false). */
  prune?: boolean;
}

export const isHookActive = (h: Pick<ExistingWebhook, 'isActive' | 'status'>): boolean => h.isActive !== false && (h.status === undefined || h.status === 'ACTIVE');

const createdMs = (h: ExistingWebhook): number => {
  const ms = h.createdAt === undefined ? NaN : Date.parse(h.createdAt);
  return Number.isNaN(ms) ? Number.MAX_SAFE_INTEGER : ms;
};
const numericId = (h: ExistingWebhook): number => {
  const m = /(\d+)$/.exec(h.id);
  return m ? Number(m[1]) : Number.MAX_SAFE_INTEGER;
};
/** The hook to keep among duplicates: an active one, then the oldest, then the lowest id (deterministic). */
const keepOrder = (a: ExistingWebhook, b: ExistingWebhook): number =>
  Number(isHookActive(b)) - Number(isHookActive(a)) || createdMs(a) - createdMs(b) || numericId(a) - numericId(b) || a.id.localeCompare(b.id);

/**
 * The webhook diff (pure). A hook is ours when it targets our destination and belongs to our client
 * id (or either id is unknown). Decisions:
 * - every desired scope gets exactly one hook of ours: created when missing, re-activated
 *   (`updatePubSubWebhook isActive: true`) when inactive; extra copies of ours are deleted, keeping
 *   the active, then oldest one;
 * - hooks of other API accounts are never touched (other apps share the store);
 * - our hooks to OTHER destinations are never touched either: the same app (client id) may serve
 *   another environment (staging topic) from another deployment;
 * - our hooks on our destination with a scope that is no longer desired are only reported
 *   (`extraneous`) unless `prune` is set: a narrowed WEBHOOK_SCOPES is a deliberate operator act,
 *   and deleting a delivering hook is the one irreversible step, so it is opt-in (CLI `--prune`).
 */
export function planReconcile(existing: readonly ExistingWebhook[], desired: DesiredWebhooks, opts: PlanReconcileOptions): ReconcilePlan {
  const isOurs = (h: ExistingWebhook) =>
    h.destination === desired.destination && (opts.ownClientId === undefined || h.clientId === undefined || h.clientId === opts.ownClientId);
  const ours = existing.filter(isOurs);
  const foreign = existing.filter((h) => !isOurs(h));
  const wanted = new Set(desired.scopes);

  const creates: ReconcileAction[] = [];
  const reactivations: ReconcileAction[] = [];
  const deletions: ReconcileAction[] = [];
  const plan: ReconcilePlan = { actions: [], reactivated: [], created: [], unchanged: [], extraneous: [], foreign };

  for (const scope of desired.scopes) {
    const same = ours.filter((h) => h.scope === scope).sort(keepOrder);
    const [keep, ...extra] = same;
    if (!keep) {
      creates.push({ kind: 'create', scope, destination: desired.destination });
      plan.created.push(scope);
    } else if (!isHookActive(keep)) {
      reactivations.push({ kind: 'reactivate', id: keep.id, scope, destination: desired.destination });
      plan.reactivated.push(scope);
    } else {
      plan.unchanged.push(keep);
    }
    for (const h of extra) deletions.push({ kind: 'delete', id: h.id, scope, destination: desired.destination, reason: 'duplicate' });
  }
  for (const h of ours.filter((x) => !wanted.has(x.scope)).sort(keepOrder)) {
    plan.extraneous.push(h);
    if (opts.prune) deletions.push({ kind: 'delete', id: h.id, scope: h.scope, destination: desired.destination, reason: 'undesired' });
  }
  plan.actions = [...creates, ...reactivations, ...deletions];
  return plan;
}
