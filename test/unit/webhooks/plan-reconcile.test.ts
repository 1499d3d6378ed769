import { describe, expect, it } from 'vitest';
import { planReconcile, isHookActive, type ExistingWebhook } from '../../../src/webhooks/plan-reconcile.ts';
import type { DesiredWebhooks } from '../../../src/webhooks/desired-webhooks.ts';

const DEST = 'projects/p1/topics/bc';
const OTHER_DEST = 'projects/p1/topics/staging';
const ME = 'my-client';
const desired: DesiredWebhooks = { destination: DEST, scopes: ['store/app/uninstalled', 'store/product/*'] };

let n = 0;
function hook(scope: string, o: Partial<ExistingWebhook> = {}): ExistingWebhook {
  n++;
  return { id: `bc/store/webhook/${n}`, scope, destination: DEST, isActive: true, status: 'ACTIVE', clientId: ME, createdAt: `2025-01-01T00:00:${String(n).padStart(2, '0')}Z`, ...o };
}
const kinds = (p: ReturnType<typeof planReconcile>) => p.actions.map((a) => `${a.kind} ${a.scope}${a.kind === 'delete' ? ` ${a.id} ${a.reason}` : a.kind === 'reactivate' ? ` ${a.id}` : ''}`);

describe('planReconcile', () => {
  const cases: { name: string; existing: () => ExistingWebhook[]; opts?: { ownClientId?: string | undefined; prune?: boolean }; expect: (ids: ExistingWebhook[]) => string[]; reactivated?: string[]; created?: string[] }[] = [
    { name: 'nothing registered -> create every desired scope', existing: () => [], expect: () => ['create store/app/uninstalled', 'create store/product/*'], created: ['store/app/uninstalled', 'store/product/*'] },
    { name: 'all active -> nothing to do', existing: () => [hook('store/product/*'), hook('store/app/uninstalled')], expect: () => [] },
    {
      name: 'inactive (owner) -> reactivate',
      existing: () => [hook('store/product/*', { isActive: false, status: 'INACTIVE' }), hook('store/app/uninstalled')],
      expect: (h) => [`reactivate store/product/* ${h[0]!.id}`],
      reactivated: ['store/product/*'],
    },
    {
      name: 'deactivated by the platform (status only) -> reactivate',
      existing: () => [hook('store/product/*', { status: 'DEACTIVATED' }), hook('store/app/uninstalled', { isActive: false, status: undefined })],
      expect: (h) => [`reactivate store/app/uninstalled ${h[1]!.id}`, `reactivate store/product/* ${h[0]!.id}`],
      reactivated: ['store/app/uninstalled', 'store/product/*'],
    },
    {
      name: 'duplicates of ours -> keep the active one even if newer, delete the rest; deletes come last',
      existing: () => [hook('store/product/*', { isActive: false, status: 'DEACTIVATED' }), hook('store/product/*'), hook('store/product/*')],
      expect: (h) => ['create store/app/uninstalled', `delete store/product/* ${h[2]!.id} duplicate`, `delete store/product/* ${h[0]!.id} duplicate`],
      created: ['store/app/uninstalled'],
    },
    {
      name: 'duplicates all inactive -> reactivate the oldest, delete the others',
      existing: () => [hook('store/app/uninstalled'), hook('store/product/*', { isActive: false, createdAt: '2025-02-01T00:00:00Z' }), hook('store/product/*', { isActive: false, createdAt: '2024-12-01T00:00:00Z' })],
      expect: (h) => [`reactivate store/product/* ${h[2]!.id}`, `delete store/product/* ${h[1]!.id} duplicate`],
      reactivated: ['store/product/*'],
    },
    {
      name: "another client's hooks on our topic are left alone (and ours is still created)",
      existing: () => [hook('store/product/*', { clientId: 'other-app', isActive: false }), hook('store/app/uninstalled')],
      expect: () => ['create store/product/*'],
      created: ['store/product/*'],
    },
    {
      name: 'our hooks to another destination (another environment) are left alone',
      existing: () => [hook('store/product/*', { destination: OTHER_DEST, isActive: false }), hook('store/product/*'), hook('store/app/uninstalled')],
      expect: () => [],
    },
    { name: 'undesired scope on our topic: reported, kept', existing: () => [hook('store/product/*'), hook('store/app/uninstalled'), hook('store/cart/*')], expect: () => [] },
    {
      name: 'undesired scope on our topic with prune: deleted',
      existing: () => [hook('store/product/*'), hook('store/app/uninstalled'), hook('store/cart/*')],
      opts: { ownClientId: ME, prune: true },
      expect: (h) => [`delete store/cart/* ${h[2]!.id} undesired`],
    },
    {
      name: 'own client id unknown (single-store API account): every hook on our topic counts as ours',
      existing: () => [hook('store/product/*', { clientId: 'whoever', isActive: false }), hook('store/app/uninstalled')],
      opts: { ownClientId: undefined },
      expect: (h) => [`reactivate store/product/* ${h[0]!.id}`],
      reactivated: ['store/product/*'],
    },
    {
      name: 'listing without clientId (per-client listing): hooks on our topic are ours',
      existing: () => [hook('store/product/*', { clientId: undefined }), hook('store/app/uninstalled', { clientId: undefined })],
      expect: () => [],
    },
    {
      name: 'HTTPS hooks (no topic destination) never match',
      existing: () => [hook('store/product/*', { destination: 'https://example.com/hook' }), hook('store/app/uninstalled')],
      expect: () => ['create store/product/*'],
      created: ['store/product/*'],
    },
  ];

  it.each(cases)('$name', (c) => {
    const existing = c.existing();
    const p = planReconcile(existing, desired, { ownClientId: ME, ...c.opts });
    expect(kinds(p)).toEqual(c.expect(existing));
    expect(p.reactivated).toEqual(c.reactivated ?? []);
    expect(p.created).toEqual(c.created ?? []);
    // Every listed hook is accounted for exactly once (kept, acted on, extraneous or foreign).
    const touched = new Set(p.actions.flatMap((a) => (a.kind === 'create' ? [] : [a.id])));
    const seen = [...p.unchanged, ...p.extraneous, ...p.foreign].map((h) => h.id);
    for (const h of existing) expect(touched.has(h.id) || seen.includes(h.id), h.id).toBe(true);
  });

  it('reports extraneous and foreign hooks', () => {
    const existing = [hook('store/product/*'), hook('store/cart/*'), hook('store/product/*', { clientId: 'x' }), hook('store/product/*', { destination: OTHER_DEST })];
    const p = planReconcile(existing, desired, { ownClientId: ME });
    expect(p.extraneous.map((h) => h.scope)).toEqual(['store/cart/*']);
    expect(p.foreign).toHaveLength(2);
    expect(p.unchanged).toHaveLength(1);
  });

  it('is a fixed point: applying the plan and planning again gives nothing to do', () => {
    const existing = [hook('store/product/*', { isActive: false }), hook('store/product/*'), hook('store/cart/*')];
    const p = planReconcile(existing, desired, { ownClientId: ME, prune: true });
    const deleted = new Set(p.actions.filter((a) => a.kind === 'delete').map((a) => a.id));
    const after = [
      ...existing.filter((h) => !deleted.has(h.id)).map((h) => (p.actions.some((a) => a.kind === 'reactivate' && a.id === h.id) ? { ...h, isActive: true, status: 'ACTIVE' } : h)),
      ...p.actions.filter((a) => a.kind === 'create').map((a) => hook(a.scope)),
    ];
    expect(planReconcile(after, desired, { ownClientId: ME, prune: true }).actions).toEqual([]);
  });

  it.each([
    [{ isActive: true, status: 'ACTIVE' }, true],
    [{ isActive: undefined, status: undefined }, true],
    [{ isActive: false, status: 'ACTIVE' }, false],
    [{ isActive: true, status: 'DEACTIVATED' }, false],
    [{ isActive: true, status: 'INACTIVE' }, false],
  ] as const)('isHookActive(%o) = %s', (h, active) => {
    expect(isHookActive(h)).toBe(active);
  });
});
