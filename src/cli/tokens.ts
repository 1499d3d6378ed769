// Stored access tokens, from an operator's terminal:
//   tokens rotate [--dry-run]   re-seal every stored token with the current key of TOKEN_ENCRYPTION_KEYS
// Env: the service's (GOOGLE_CLOUD_PROJECT, FIRESTORE_EMULATOR_HOST, TOKEN_ENCRYPTION_KEYS or
// TOKEN_ENCRYPTION_KEY). Key rotation, step by step: README "Rotating the token key".
import { pino } from 'pino';
import { loadConfig, type Config } from '../config.ts';
import { createFirestore } from '../firestore/create-firestore.ts';
import { rotateTokens, type RotationReport } from '../stores/rotate-tokens.ts';
import { createTokenCipher } from '../stores/token-cipher.ts';
import { CliUsageError, type CliGroup } from './cli.ts';
import { formatTable } from './webhooks.ts';

export function formatRotation(r: RotationReport, o: { currentKeyId: string; dryRun: boolean }): string {
  const rows = [
    ['stores with a token', String(r.stores)],
    [o.dryRun ? 'would rotate' : 'rotated', String(r.rotated)],
    ['already current', String(r.current)],
    ['changed meanwhile (left as is)', String(r.changed)],
    ['unreadable', String(r.unreadable.length)],
  ];
  const out = [`Current key: ${o.currentKeyId}${o.dryRun ? ' (dry run: nothing written)' : ''}`, formatTable(['', 'COUNT'], rows)];
  if (r.unreadable.length) out.push('', 'Unreadable (no key of the ring opens them; the store must reinstall):', ...r.unreadable.map((u) => `  ${u.storeHash}: ${u.code}`));
  return out.join('\n');
}

export const tokensGroup: CliGroup = {
  name: 'tokens',
  summary: 'Stored BigCommerce access tokens (encryption key rotation)',
  commands: {
    rotate: {
      summary: 'Re-seal every stored token with the current key of the keyring (safe while the service runs)',
      flags: { 'dry-run': { type: 'boolean' } },
      flagHelp: ['--dry-run  count what would be rotated, write nothing'],
      run: async (values, io) => {
        let config: Config;
        try {
          // PUSH_AUTH only concerns the HTTP service.
          config = loadConfig({ ...io.env, PUSH_AUTH: 'none' });
        } catch (err) {
          throw new CliUsageError((err as Error).message);
        }
        const keys = config.bigcommerce.tokenKeys;
        if (!keys) throw new CliUsageError('TOKEN_ENCRYPTION_KEYS (or TOKEN_ENCRYPTION_KEY) must be set');
        const cipher = createTokenCipher(keys);
        const db = createFirestore(config);
        const dryRun = values['dry-run'] === true;
        try {
          const report = await rotateTokens({ db, cipher, logger: pino({ level: io.env.LOG_LEVEL === undefined ? 'warn' : config.log.level }) }, { dryRun });
          io.out(formatRotation(report, { currentKeyId: cipher.currentKeyId, dryRun }));
          return report.unreadable.length > 0 ? 1 : 0;
        } finally {
          await db.terminate();
        }
      },
    },
  },
};
