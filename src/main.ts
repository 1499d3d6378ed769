// The server: config -> services -> app -> listen -> shutdown. The wiring itself is services.ts.
import { loadConfig, ConfigError, type Config } from './config.ts';
import { buildApp } from './app.ts';
import { createServices } from './services.ts';
import { pushAuthWarning } from './ingest/push-auth.ts';

function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}

async function main(): Promise<void> {
  const config = configOrExit();
  const services = await createServices(config);
  const { logger } = services;
  const authWarning = pushAuthWarning(config.push.auth);
  if (authWarning) logger.warn({ pushAuth: config.push.auth }, authWarning);
  if (!services.reconciler) logger.warn('WEBHOOK_TOPIC is not set: webhook reconcile and install-time webhook registration are off');
  const { server } = await buildApp(services.app);

  let closing = false;
  const shutdown = (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'shutting down');
    // Cloud Run sends SIGKILL ~10 s after SIGTERM: stop taking requests, let in-flight ones finish.
    const force = setTimeout(() => process.exit(1), 9_000);
    force.unref();
    server
      .close()
      .then(() => services.close())
      .then(() => {
        logger.info('stopped');
        logger.flush();
        process.exit(0);
      })
      .catch((err: unknown) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      });
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));

  const address = await server.listen({ port: config.port, host: config.host });
  logger.info({ address, pushAuth: config.push.auth, projectId: config.projectId }, 'listening');
}

main().catch((err: unknown) => {
  process.stderr.write(`fatal: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
