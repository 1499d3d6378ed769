// A tiny subcommand dispatcher: `npm run cli -- <group> <command> [flags]`. Groups are plain data
// (`CliGroup`), registered in one list in main.ts, so adding one is a one-line change there.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig, type Config } from '../config.ts';

export type CliFlags = NonNullable<ParseArgsConfig['options']>;
export type CliValues = Record<string, string | boolean | (string | boolean)[] | undefined>;

/** Where a command writes and what it reads; injected so tests can run commands in-process. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  env: Record<string, string | undefined>;
}

export interface CliCommand {
  summary: string;
  /** Flags after the command name, in node:util parseArgs form. `--help` is added for you. */
  flags: CliFlags;
  /** One line per flag for the help text, e.g. `--max N   messages to show (default 20)`. */
  flagHelp?: string[];
  /** Exit code: 0 ok, 1 failed, 2 usage error. */
  run: (values: CliValues, io: CliIo) => Promise<number>;
}

export interface CliGroup {
  name: string;
  summary: string;
  commands: Record<string, CliCommand>;
  /** Runs when the group is followed by flags or nothing (`doctor --store X`, `explain --store H --product 1`); `--help` still shows the group. */
  defaultCommand?: string;
}

/** Thrown by commands for a bad flag combination: printed with the command's help, exit 2. */
export class CliUsageError extends Error {
  override name = 'CliUsageError';
}

/**
 * The configuration a command works with, parsed by config.ts like the service's (so every variable
 * the CLI reads is documented there). A bad value is a usage error. PUSH_AUTH only concerns the HTTP
 * service (without this the CLI would demand PUSH_AUDIENCE), and logs stay quiet unless LOG_LEVEL says
 * otherwise.
 */
export function cliConfig(env: CliIo['env']): Config {
  try {
    return loadConfig({ LOG_LEVEL: 'warn', ...env, PUSH_AUTH: 'none' });
  } catch (err) {
    throw new CliUsageError((err as Error).message);
  }
}

const pad = (s: string, n: number) => s.padEnd(n);

function mainHelp(groups: readonly CliGroup[]): string {
  const lines = ['Usage: npm run cli -- <group> <command> [flags]', '', 'Groups:'];
  const width = Math.max(...groups.map((g) => g.name.length)) + 2;
  for (const g of groups) lines.push(`  ${pad(g.name, width)}${g.summary}`);
  lines.push('', 'Run `npm run cli -- <group> --help` for its commands.');
  return lines.join('\n');
}

function groupHelp(g: CliGroup): string {
  const lines = [`Usage: npm run cli -- ${g.name} <command> [flags]`, '', g.summary, '', 'Commands:'];
  const names = Object.keys(g.commands);
  const width = Math.max(...names.map((n) => n.length)) + 2;
  for (const n of names) lines.push(`  ${pad(n, width)}${g.commands[n]!.summary}`);
  lines.push('', `Run \`npm run cli -- ${g.name} <command> --help\` for its flags.`);
  return lines.join('\n');
}

function commandHelp(g: CliGroup, name: string, c: CliCommand): string {
  const lines = [`Usage: npm run cli -- ${g.name} ${name} [flags]`, '', c.summary];
  if (c.flagHelp?.length) lines.push('', 'Flags:', ...c.flagHelp.map((l) => `  ${l}`));
  return lines.join('\n');
}

/** Runs one command line (argv without `node main.ts`) and returns the process exit code. */
export async function runCli(argv: readonly string[], groups: readonly CliGroup[], io: CliIo): Promise<number> {
  const [groupName, ...tail] = argv;
  const group0 = groups.find((g) => g.name === groupName);
  // A group with a default command takes its flags right after the group name.
  const implicit = group0?.defaultCommand !== undefined && tail[0]?.startsWith('--') === true && tail[0] !== '--help';
  const [commandName, ...rest] = implicit ? [group0.defaultCommand!, ...tail] : tail;
  if (groupName === undefined || groupName === '--help' || groupName === '-h' || groupName === 'help') {
    io.out(mainHelp(groups));
    return groupName === undefined ? 2 : 0;
  }
  const group = groups.find((g) => g.name === groupName);
  if (!group) {
    io.err(`Unknown group "${groupName}".\n\n${mainHelp(groups)}`);
    return 2;
  }
  if (group.defaultCommand !== undefined && (commandName === undefined || (commandName.startsWith('-') && commandName !== '--help' && commandName !== '-h'))) {
    return runCli([groupName, group.defaultCommand, ...argv.slice(1)], groups, io);
  }
  if (commandName === undefined || commandName === '--help' || commandName === '-h') {
    io.out(groupHelp(group));
    return commandName === undefined ? 2 : 0;
  }
  const command = group.commands[commandName];
  if (!command) {
    io.err(`Unknown command "${groupName} ${commandName}".\n\n${groupHelp(group)}`);
    return 2;
  }
  let values: CliValues;
  try {
    ({ values } = parseArgs({ args: [...rest], options: { ...command.flags, help: { type: 'boolean', short: 'h' } }, strict: true, allowPositionals: false }));
  } catch (err) {
    io.err(`${err instanceof Error ? err.message : String(err)}\n\n${commandHelp(group, commandName, command)}`);
    return 2;
  }
  if (values.help === true) {
    io.out(commandHelp(group, commandName, command));
    return 0;
  }
  try {
    return await command.run(values, io);
  } catch (err) {
    if (err instanceof CliUsageError) {
      io.err(`${err.message}\n\n${commandHelp(group, commandName, command)}`);
      return 2;
    }
    io.err(`${groupName} ${commandName} failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  }
}
