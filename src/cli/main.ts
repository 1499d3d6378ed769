// Operator CLI entry point: `npm run cli -- <group> <command> [flags]` (`--help` at any level).
// To add a group: export a `CliGroup` from its module and add it to GROUPS below.
import { runCli, type CliGroup } from './cli.ts';
import { deadLetterGroup } from './dead-letter.ts';
import { doctorGroup } from './doctor.ts';
import { tokensGroup } from './tokens.ts';
import { webhooksGroup } from './webhooks.ts';
import { explainGroup, rulesGroup } from './rules.ts';

const GROUPS: readonly CliGroup[] = [deadLetterGroup, doctorGroup, explainGroup, rulesGroup, tokensGroup, webhooksGroup];

process.exitCode = await runCli(process.argv.slice(2), GROUPS, {
  out: (text) => process.stdout.write(`${text}\n`),
  err: (text) => process.stderr.write(`${text}\n`),
  // eslint-disable-next-line no-restricted-properties -- the CLI's one read of the environment, parsed by config.ts
  env: process.env,
});
