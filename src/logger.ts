import { pino, type Logger, type LoggerOptions } from 'pino';
import { createGcpLoggingPinoConfig } from '@google-cloud/pino-logging-gcp-config';

export type { Logger };

export interface LoggerConfig {
  level: string;
  projectId: string;
  service?: string;
  /** Human-readable output; defaults to whether stdout is a terminal and pino-pretty is installed. */
  pretty?: boolean;
}

/** Never print these, wherever they appear in a log object. */
const REDACT = [
  'accessToken',
  'access_token',
  'token',
  'clientSecret',
  'client_secret',
  'encryptionKey',
  'authorization',
  '*.accessToken',
  '*.access_token',
  '*.clientSecret',
  '*.authorization',
  'req.headers.authorization',
  'req.headers["x-auth-token"]',
  'headers.authorization',
  'headers["x-auth-token"]',
];

/** pino-pretty is a dev dependency: production images log JSON even on a terminal. */
function prettyAvailable(): boolean {
  try {
    import.meta.resolve('pino-pretty');
    return true;
  } catch {
    return false;
  }
}

/**
 * Cloud Logging JSON (severity, message, trace, Error Reporting stack) via Google's published pino
 * config; pretty lines on a developer terminal. Request trace ids are added per request by the app
 * (`trace_id`, which the config turns into `logging.googleapis.com/trace`).
 */
export function createLogger(cfg: LoggerConfig): Logger {
  const base: LoggerOptions = { level: cfg.level, redact: { paths: REDACT, censor: '[redacted]' } };
  if ((cfg.pretty ?? process.stdout.isTTY) && prettyAvailable()) {
    return pino({ ...base, messageKey: 'message', transport: { target: 'pino-pretty', options: { colorize: true, messageKey: 'message' } } });
  }
  return pino(
    createGcpLoggingPinoConfig(
      {
        serviceContext: { service: cfg.service ?? 'bc-webhook-consumer' },
        traceGoogleCloudProjectId: cfg.projectId,
        inihibitDiagnosticMessage: true,
      },
      base,
    ),
  );
}

/**
 * Log bindings that put a request's lines under its trace in Cloud Logging. The field is written in
 * its final form: Google's pino config rewrites `trace_id` in log calls but not in child bindings.
 */
export function traceBindings(projectId: string, traceId: string): Record<string, string> {
  return { 'logging.googleapis.com/trace': `projects/${projectId}/traces/${traceId}` };
}

/**
 * Trace id of a request from `X-Cloud-Trace-Context` (`TRACE/SPAN;o=1`) or W3C `traceparent`
 * (`00-TRACE-SPAN-FLAGS`), for log correlation with Cloud Run's request log.
 */
export function traceIdFromHeaders(headers: Record<string, string | string[] | undefined>): string | undefined {
  const cloud = headers['x-cloud-trace-context'];
  const c = Array.isArray(cloud) ? cloud[0] : cloud;
  if (c) {
    const id = c.split('/')[0];
    if (id && /^[0-9a-f]{32}$/i.test(id)) return id.toLowerCase();
  }
  const tp = headers.traceparent;
  const t = Array.isArray(tp) ? tp[0] : tp;
  if (t) {
    const m = /^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$/i.exec(t.trim());
    if (m?.[1] && !/^0+$/.test(m[1])) return m[1].toLowerCase();
  }
  return undefined;
}
