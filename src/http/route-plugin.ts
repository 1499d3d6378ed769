import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

/**
 * HTTP plumbing the domain folders share with the edge (app.ts), kept apart from both so a route
 * module never imports the app that mounts it.
 */

/** Extra route groups mounted by the composition root (tasks, app callbacks), kept out of the core. */
export type RoutePlugin = (app: FastifyInstance, guard: Guard) => Promise<void> | void;

/**
 * An `onRequest` hook that admits only the listed service accounts (per PUSH_AUTH). It must be
 * mounted as `onRequest` (not `preHandler`): that runs before the body is read, so an unauthenticated
 * client cannot make the server read or wait for a body.
 */
export type Guard = (allowedEmails: readonly string[]) => (request: FastifyRequest, reply: FastifyReply) => Promise<FastifyReply | undefined>;
