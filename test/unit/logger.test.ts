import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { createGcpLoggingPinoConfig } from '@google-cloud/pino-logging-gcp-config';
import { createLogger, traceBindings, traceIdFromHeaders } from '../../src/logger.ts';

describe('traceIdFromHeaders', () => {
  const T = '4bf92f3577b34da6a3ce929d0e0e4736';
  it.each([
    [{ 'x-cloud-trace-context': `${T}/1;o=1` }, T],
    [{ 'x-cloud-trace-context': `${T.toUpperCase()}/123` }, T],
    [{ traceparent: `00-${T}-00f067aa0ba902b7-01` }, T],
    [{ 'x-cloud-trace-context': 'nonsense', traceparent: `00-${T}-00f067aa0ba902b7-01` }, T],
    [{ traceparent: `00-${'0'.repeat(32)}-00f067aa0ba902b7-01` }, undefined],
    [{ traceparent: 'garbage' }, undefined],
    [{}, undefined],
  ])('%j -> %s', (headers, expected) => expect(traceIdFromHeaders(headers)).toBe(expected));
});

describe('createLogger', () => {
  it('returns a pino logger at the configured level', () => {
    const log = createLogger({ level: 'warn', projectId: 'p', pretty: false });
    expect(log.level).toBe('warn');
    expect(log.isLevelEnabled('info')).toBe(false);
  });

  it('writes Cloud Logging JSON: severity, message, trace of the project, secrets redacted', () => {
    // The same options createLogger uses, with a captured destination.
    const lines: string[] = [];
    const sink = new Writable({ write: (c: Buffer, _e, cb) => (lines.push(c.toString()), cb()) });
    const log = pino(
      createGcpLoggingPinoConfig(
        { serviceContext: { service: 'svc' }, traceGoogleCloudProjectId: 'proj', inihibitDiagnosticMessage: true },
        { level: 'info', redact: { paths: ['accessToken', 'headers["x-auth-token"]'], censor: '[redacted]' } },
      ),
      sink,
    );
    log.child(traceBindings('proj', 'abc')).warn({ accessToken: 'secret-token', headers: { 'x-auth-token': 'secret-2' } }, 'flush failed');
    const entry = JSON.parse(lines[0]!);
    expect(entry).toMatchObject({ severity: 'WARNING', message: 'flush failed', 'logging.googleapis.com/trace': 'projects/proj/traces/abc' });
    expect(lines[0]).not.toContain('secret-token');
    expect(lines[0]).not.toContain('secret-2');
  });
});
