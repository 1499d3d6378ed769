import { readFileSync } from 'node:fs';
import { buildSchema, type GraphQLSchema } from 'graphql';

/**
 * The GraphQL Admin API subset as a graphql-js schema, built from admin-schema.graphql (the SDL and
 * its provenance notes live there). It sits with the sandbox because only dev/test code needs it:
 * the sandbox executes against it and the service's unit tests validate every operation the
 * service sends against it. The production service never loads it (the doctor validates the same
 * operations against the live schema by introspection instead).
 */

export const ADMIN_SCHEMA_PATH = new URL('./admin-schema.graphql', import.meta.url);

let cached: GraphQLSchema | undefined;

/** The schema, built once per process (buildSchema also checks the SDL is a valid schema). */
export function adminSchema(): GraphQLSchema {
  cached ??= buildSchema(readFileSync(ADMIN_SCHEMA_PATH, 'utf8'));
  return cached;
}
