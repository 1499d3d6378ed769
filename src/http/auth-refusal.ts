import type { FastifyReply } from 'fastify';

/**
 * Why a caller was turned away: 401 = no or invalid credentials, 403 = valid but not allowed,
 * 503 = the verifier could not check (Google's certs unreachable). `reason` is a code from a closed
 * set, never token text or claims.
 */
export interface AuthRefusal {
  status: 401 | 403 | 503;
  reason: string;
}

/** The body of every auth refusal the service answers to a Google-signed caller (push, tasks, status). */
export function authRefusalBody(refusal: AuthRefusal): { error: 'unauthenticated' | 'forbidden' | 'unavailable'; reason: string } {
  return { error: refusal.status === 401 ? 'unauthenticated' : refusal.status === 403 ? 'forbidden' : 'unavailable', reason: refusal.reason };
}

/**
 * Answers the refusal; the caller logs it with its own context first. Refusals happen in `onRequest`,
 * before any body is read: the connection is closed instead of drained.
 */
export function sendAuthRefusal(reply: FastifyReply, refusal: AuthRefusal): FastifyReply {
  return reply.code(refusal.status).header('connection', 'close').send(authRefusalBody(refusal));
}
