import { DEFAULT_WEBHOOK_SCOPES, scopeMatches } from '../bigcommerce/scopes.ts';
import { AppError, ErrorCode } from '../errors.ts';

/** What this service wants registered on every store: one Pub/Sub hook per scope, all to one topic. */
export interface DesiredWebhooks {
  /** `projects/{project}/topics/{topic}` (reference §3.1). */
  destination: string;
  /** Sorted, without duplicates and without scopes a wildcard in the list already covers. */
  scopes: string[];
}

const SCOPE = /^store\/[A-Za-z0-9_{}/-]+(\/\*)?$|^store\/\*$/;
const TOPIC_ID = /^[A-Za-z][A-Za-z0-9._~%+-]{2,254}$/;
/** Lowercase letters, digits, hyphens; domain-scoped ids (`example.com:proj`) have `.` and `:`. */
const PROJECT_ID = /^[a-z][a-z0-9.:-]{0,98}[a-z0-9]$/;
const TOPIC_NAME = /^projects\/([^/]+)\/topics\/([^/]+)$/;

/** The full topic name for `topic` (a bare id, or already `projects/P/topics/T`). */
export function topicDestination(projectId: string, topic: string): string {
  const full = TOPIC_NAME.exec(topic);
  const [project, id] = full ? [full[1]!, full[2]!] : [projectId, topic];
  if (!PROJECT_ID.test(project) || !TOPIC_ID.test(id) || id.startsWith('goog')) {
    throw new AppError(ErrorCode.WEBHOOK_CONFIG_INVALID, `WEBHOOK_TOPIC "${topic}" is not a Pub/Sub topic id or projects/{project}/topics/{topic} name`, {
      details: { topic, projectId },
    });
  }
  return `projects/${project}/topics/${id}`;
}

/**
 * The declarative registry: WEBHOOK_SCOPES (default DEFAULT_WEBHOOK_SCOPES) + WEBHOOK_TOPIC -> desired hooks. A scope a wildcard in the
 * list covers is dropped (two hooks for one event only mean duplicate deliveries). Throws AppError
 * WEBHOOK_CONFIG_INVALID for a missing topic, an empty list or a malformed scope: reconcile must not
 * run on a configuration that would delete nothing but also register nothing useful.
 */
export function desiredWebhooks(opts: { projectId: string; topic: string | undefined; scopes?: readonly string[] | undefined }): DesiredWebhooks {
  if (!opts.topic) throw new AppError(ErrorCode.WEBHOOK_CONFIG_INVALID, 'WEBHOOK_TOPIC is not set: it names the Pub/Sub topic BigCommerce publishes webhooks to');
  const destination = topicDestination(opts.projectId, opts.topic);
  const unique = [...new Set((opts.scopes ?? DEFAULT_WEBHOOK_SCOPES).map((s) => s.trim()).filter(Boolean))];
  if (unique.length === 0) throw new AppError(ErrorCode.WEBHOOK_CONFIG_INVALID, 'WEBHOOK_SCOPES is empty');
  const bad = unique.filter((s) => !SCOPE.test(s));
  if (bad.length > 0) {
    throw new AppError(ErrorCode.WEBHOOK_CONFIG_INVALID, `WEBHOOK_SCOPES has malformed scopes: ${bad.join(', ')} (expected e.g. store/product/* or store/app/uninstalled)`, {
      details: { scopes: bad },
    });
  }
  const scopes = unique.filter((s) => !unique.some((other) => other !== s && scopeMatches(other, s))).sort();
  return { destination, scopes };
}
