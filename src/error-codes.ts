/**
 * Every AppError code, each with what it means. Codes are UPPER_SNAKE with a domain prefix and are
 * part of the operator contract: they appear in logs, in /tasks reports and in alerting filters, so a
 * code is renamed only with a note. `AppError` takes `ErrorCode`, so a typo fails to compile;
 * test/unit/error-codes.test.ts checks the form and uniqueness.
 *
 * Prefixes: BC_ (BigCommerce transport), FETCH_ (reading products by id), EVENT_ (the event store on
 * the push path), RULES_ (category rules), STORE_ (store registry, install flow, tokens), WEBHOOK_
 * (webhook registry and reconcile), APP_ (the merchant app's API), SANDBOX_ (the local BigCommerce
 * stand-in; never in production).
 */
export const ErrorCode = {
  // BigCommerce transport (src/bigcommerce/client.ts, rate-limiter.ts, catalog-paths.ts)
  /** BigCommerce answered 4xx other than 401/404/429: the request is wrong, retrying cannot help. */
  BC_BAD_REQUEST: 'BC_BAD_REQUEST',
  /** The request budget ran out before any attempt could be made or finished (retryable). */
  BC_BUDGET_EXCEEDED: 'BC_BUDGET_EXCEEDED',
  /** A BigCommerce id passed to a path builder is not a positive integer, or too many ids for one request. */
  BC_INVALID_ID: 'BC_INVALID_ID',
  /** A page or limit outside what the listing endpoints accept. */
  BC_INVALID_PAGE: 'BC_INVALID_PAGE',
  /** The caller cancelled the call (a sync whose other read failed cancels the rest of its chunk); retryable. */
  BC_ABORTED: 'BC_ABORTED',
  /** BigCommerce answered with a body that is not JSON or not of the expected shape. */
  BC_INVALID_RESPONSE: 'BC_INVALID_RESPONSE',
  /** BigCommerce stayed unreachable (connection or timeout failures) for the whole budget (retryable). */
  BC_NETWORK: 'BC_NETWORK',
  /** BigCommerce answered 404 for the resource. */
  BC_NOT_FOUND: 'BC_NOT_FOUND',
  /** BigCommerce still answered 429 when the budget ran out (retryable). */
  BC_RATE_LIMITED: 'BC_RATE_LIMITED',
  /** BigCommerce still answered 5xx when the budget ran out (retryable). */
  BC_SERVER_ERROR: 'BC_SERVER_ERROR',
  /** BigCommerce refused the access token (401/403): revoked, or missing scopes. */
  BC_UNAUTHORIZED: 'BC_UNAUTHORIZED',

  // Reading products by id (src/bigcommerce/chunk-ids.ts, src/category-sync/plan-fetch.ts)
  /** id:in chunking called with a non-positive size or length limit (a programming error). */
  FETCH_CHUNK_OPTIONS_INVALID: 'FETCH_CHUNK_OPTIONS_INVALID',
  /** A product id to fetch is not a positive integer. */
  FETCH_ID_INVALID: 'FETCH_ID_INVALID',
  /** One id alone does not fit in the longest URL allowed. */
  FETCH_ID_TOO_LONG: 'FETCH_ID_TOO_LONG',
  /** The fetch planner got an invalid page size (a programming error). */
  FETCH_PLAN_INVALID: 'FETCH_PLAN_INVALID',

  // Push path (src/ingest/)
  /** Firestore did not answer within PUSH_STORE_BUDGET_MS: the push is answered 503 and redelivered. */
  EVENT_STORE_TIMEOUT: 'EVENT_STORE_TIMEOUT',
  /** Firestore refused the event's writes themselves (INVALID_ARGUMENT, OUT_OF_RANGE, an invalid path): acked and recorded as a rejection, never retried. */
  EVENT_STORE_REFUSED: 'EVENT_STORE_REFUSED',

  // Category rules (src/rules/)
  /** Category writes called with an invalid batch size or URL length (a programming error). */
  RULES_APPLY_OPTIONS_INVALID: 'RULES_APPLY_OPTIONS_INVALID',
  /** CATEGORY_RULES_FILE names a file that does not exist. */
  RULES_FILE_NOT_FOUND: 'RULES_FILE_NOT_FOUND',
  /** CATEGORY_RULES_FILE exists but cannot be read. */
  RULES_FILE_UNREADABLE: 'RULES_FILE_UNREADABLE',
  /** A rule set is not valid JSON or breaks the rule schema; details list every problem. */
  RULES_INVALID: 'RULES_INVALID',
  /** A rule set too large to store as one version (Firestore document size). */
  RULES_TOO_LARGE: 'RULES_TOO_LARGE',
  /** Rules saved from a version that is no longer current (someone saved meanwhile): reload, then save. */
  RULES_VERSION_CONFLICT: 'RULES_VERSION_CONFLICT',
  /** A rollback to a rules version the store does not have. */
  RULES_VERSION_NOT_FOUND: 'RULES_VERSION_NOT_FOUND',

  // Stores: install flow, registry, tokens (src/stores/)
  /** BigCommerce rejected our client id or secret at the token endpoint: fix the configuration. */
  STORE_AUTH_CLIENT_REJECTED: 'STORE_AUTH_CLIENT_REJECTED',
  /** BigCommerce rejected the install code (expired or used): the merchant installs again. */
  STORE_AUTH_CODE_REJECTED: 'STORE_AUTH_CODE_REJECTED',
  /** The token response is for another store than the install request. */
  STORE_AUTH_CONTEXT_MISMATCH: 'STORE_AUTH_CONTEXT_MISMATCH',
  /** The token endpoint did not answer or answered unexpectedly (retryable). */
  STORE_AUTH_UNAVAILABLE: 'STORE_AUTH_UNAVAILABLE',
  /** TOKEN_ENCRYPTION_KEY is not 32 bytes. */
  STORE_KEY_INVALID: 'STORE_KEY_INVALID',
  /** TOKEN_ENCRYPTION_KEY is not set, so an install cannot store its token. */
  STORE_KEY_MISSING: 'STORE_KEY_MISSING',
  /** A signed_payload_jwt did not verify (details.reason says why); the callback changes nothing. */
  STORE_PAYLOAD_INVALID: 'STORE_PAYLOAD_INVALID',
  /** The token response carried no access token. */
  STORE_TOKEN_MISSING: 'STORE_TOKEN_MISSING',
  /** A stored token has an unknown format or does not decrypt with the configured key. */
  STORE_TOKEN_UNREADABLE: 'STORE_TOKEN_UNREADABLE',
  /** A stored token is not in a sealed format this version knows (v1 or v2 with a valid key id). */
  STORE_TOKEN_MALFORMED: 'STORE_TOKEN_MALFORMED',
  /** A stored token was sealed with a key id the keyring no longer holds (rotate before dropping a key). */
  STORE_TOKEN_KEY_UNKNOWN: 'STORE_TOKEN_KEY_UNKNOWN',

  // Webhooks (src/webhooks/)
  /** The webhook already exists for this app (reconcile treats it as done). */
  WEBHOOK_ALREADY_EXISTS: 'WEBHOOK_ALREADY_EXISTS',
  /** BigCommerce's webhook API failed internally or answered an unexpected shape (retryable). */
  WEBHOOK_API_ERROR: 'WEBHOOK_API_ERROR',
  /** The gap backfill's product listing did not end within its page cap (retryable). */
  WEBHOOK_BACKFILL_TOO_LARGE: 'WEBHOOK_BACKFILL_TOO_LARGE',
  /** WEBHOOK_TOPIC or WEBHOOK_SCOPES is missing or malformed: nothing is reconciled. */
  WEBHOOK_CONFIG_INVALID: 'WEBHOOK_CONFIG_INVALID',
  /** BigCommerce's GraphQL refused the query itself (not retryable). */
  WEBHOOK_GRAPHQL_ERROR: 'WEBHOOK_GRAPHQL_ERROR',
  /** BigCommerce rejected a webhook as invalid (scope or destination). */
  WEBHOOK_INVALID: 'WEBHOOK_INVALID',
  /** The webhook is gone (deleted meanwhile, or owned by another app). */
  WEBHOOK_NOT_FOUND: 'WEBHOOK_NOT_FOUND',
  /** A store's reconcile failed with an error that is not an AppError (retried on the next run). */
  WEBHOOK_RECONCILE_FAILED: 'WEBHOOK_RECONCILE_FAILED',
  /** BigCommerce may not publish to the Pub/Sub topic: grant it the publisher role. */
  WEBHOOK_TOPIC_PERMISSION: 'WEBHOOK_TOPIC_PERMISSION',
  /** The Pub/Sub topic does not exist as BigCommerce sees it. */
  WEBHOOK_TOPIC_NOT_FOUND: 'WEBHOOK_TOPIC_NOT_FOUND',

  // The merchant app's API (src/app-api)
  /** A preview (or other long app read) was cancelled by the merchant closing the request. */
  APP_CANCELLED: 'APP_CANCELLED',
  /** Explain: no product with that id, name or SKU in the store. */
  APP_PRODUCT_NOT_FOUND: 'APP_PRODUCT_NOT_FOUND',
  /** An app API request whose body or query does not match its schema. */
  APP_REQUEST_INVALID: 'APP_REQUEST_INVALID',
  /** The session's store is not installed (or has no token): the app cannot read its catalog. */
  APP_STORE_NOT_INSTALLED: 'APP_STORE_NOT_INSTALLED',

  // The local BigCommerce stand-in (src/sandbox/; its BigCommerce-facing errors use BigCommerce's own bodies)
  /** A control-API request body or parameter is invalid. */
  SANDBOX_BAD_REQUEST: 'SANDBOX_BAD_REQUEST',
  /** An event to emit has no concrete scope. */
  SANDBOX_INVALID_EVENT: 'SANDBOX_INVALID_EVENT',
  /** A webhook to create or update is invalid. */
  SANDBOX_INVALID_HOOK: 'SANDBOX_INVALID_HOOK',
  /** Product fields are invalid. */
  SANDBOX_INVALID_PRODUCT: 'SANDBOX_INVALID_PRODUCT',
  /** Store options are invalid (hash, token). */
  SANDBOX_INVALID_STORE: 'SANDBOX_INVALID_STORE',
  /** A product with that id already exists. */
  SANDBOX_PRODUCT_EXISTS: 'SANDBOX_PRODUCT_EXISTS',
  /** No product with that id. */
  SANDBOX_PRODUCT_NOT_FOUND: 'SANDBOX_PRODUCT_NOT_FOUND',
  /** A store with that hash already exists. */
  SANDBOX_STORE_EXISTS: 'SANDBOX_STORE_EXISTS',
  /** No store with that hash. */
  SANDBOX_STORE_NOT_FOUND: 'SANDBOX_STORE_NOT_FOUND',
} as const;

export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];
