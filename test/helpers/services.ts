// Test entry point to the one composition root: a Config from a minimal environment, and the
// services built by createServices with the test's Firestore, clock and a quiet logger.
import type { Firestore } from '@google-cloud/firestore';
import { pino } from 'pino';
import { loadConfig, type Config } from '../../src/config.ts';
import { createServices, type ServiceOverrides, type Services } from '../../src/services.ts';

/** The service's configuration for a test: no push auth, no in-process timers unless asked. */
export function testConfig(env: Record<string, string | undefined> = {}): Config {
  return loadConfig({ GOOGLE_CLOUD_PROJECT: 'demo-test', PUSH_AUTH: 'none', FLUSH_TIMERS: 'false', ...env });
}

export function testServices(db: Firestore, env: Record<string, string | undefined>, overrides: Omit<ServiceOverrides, 'db'> = {}): Promise<Services> {
  return createServices(testConfig(env), { db, logger: pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' }), ...overrides });
}
