import type { BigCommerceEvent } from '../../src/bigcommerce/webhook-event.ts';
import { planEventWrites, type EventContext, type EventPlan } from '../../src/events/plan-event-writes.ts';

/** planEventWrites for events a test knows to be valid: a refusal is a test bug, so it throws. */
export function planOrThrow(event: BigCommerceEvent, ctx: EventContext): EventPlan {
  const r = planEventWrites(event, ctx);
  if (!r.ok) throw new Error(`test event refused: ${r.reason}`);
  return r.plan;
}
