import type { FastifyReply } from 'fastify';

/** Why a caller was turned away: 401 = no or invalid credentials, 403 = valid but not allowed. */
export interface AuthRefusal {
  status: 401 | 403;
  reason: string;
}

/** The body of every 401/403 the service answers to a Google-signed caller (push, tasks, status). */
export function authRefusalBody(refusal: AuthRefusal): { error: 'unauthenticated' | 'forbidden'; reason: string } {
  return { error: refusal.status === 401 ? 'unauthenticated' : 'forbidden', reason: refusal.reason };
}

/** Answers the refusal; the caller logs it with its own context first. */
export function sendAuthRefusal(reply: FastifyReply, refusal: AuthRefusal): FastifyReply {
  return reply.code(refusal.status).send(authRefusalBody(refusal));
}
