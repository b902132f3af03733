/**
 * Options from the environment and a config file (DESIGN.md section 4): flags win over `LEDGERTAP_*`
 * variables, which win over the config file, which wins over defaults. Applied to every option of every
 * verb before parsing, so a required option can come from either, and no verb has to know about it.
 *
 * The config file is JSON or YAML: `--config FILE`, else `LEDGERTAP_CONFIG`, else
 * `$XDG_CONFIG_HOME/ledgertap/config.{yaml,yml,json}` (default `~/.config/ledgertap/…`). Top-level values
 * apply to any verb with that option; a section named after a verb (and sub-sections after its sub-verbs)
 * applies to that verb only: `{ db: "ledger.db", sync: { binance: { recvWindow: 10000 } } }`.
 * Secrets never belong there: keys that name one are refused.
 */
import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { extname, join, resolve } from 'node:path';
import type { Command, Option } from 'commander';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { InputError, UsageError, fileError } from '../core/index.js';

type ConfigValue = string | number | boolean | ConfigValue[] | { [key: string]: ConfigValue };
export type Config = Record<string, ConfigValue>;

const SECRET_KEY = /secret|password|passwd|token|api-?key|private-?key|cookie/i;

function normal(key: string): string {
  return key.replace(/[-_]/g, '').toLowerCase();
}

function isSection(value: ConfigValue | undefined): value is Record<string, ConfigValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The `--config` value from argv, if any (read before commander runs). */
export function configFlag(argv: readonly string[]): string | undefined {
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === '--config') return argv[i + 1];
    if (arg.startsWith('--config=')) return arg.slice('--config='.length);
  }
  return undefined;
}

function defaultConfigPath(env: NodeJS.ProcessEnv): string | undefined {
  const base = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  for (const name of ['config.yaml', 'config.yml', 'config.json']) {
    const path = join(base, 'ledgertap', name);
    if (existsSync(path)) return path;
  }
  return undefined;
}

function refuseSecrets(value: ConfigValue, path: string, file: string): void {
  if (!isSection(value)) return;
  for (const [key, child] of Object.entries(value)) {
    if (SECRET_KEY.test(key)) {
      throw new InputError(
        'secret_in_config',
        `${file}: ${path}${key}: secrets do not belong in the config file.`,
        {
          hint: 'Put API keys and passwords in the environment or an owner-only key file, and remove this key.',
        },
      );
    }
    refuseSecrets(child, `${path}${key}.`, file);
  }
}

/** Reads the config file named by --config, LEDGERTAP_CONFIG or the default location; undefined when none. */
export function loadConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
  cwd: string,
): { path: string; config: Config } | undefined {
  const given = configFlag(argv) ?? env['LEDGERTAP_CONFIG'];
  const path = given ? resolve(cwd, given) : defaultConfigPath(env);
  if (!path) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw fileError(path, error) ?? error;
  }
  let value: unknown;
  try {
    value = extname(path).toLowerCase() === '.json' ? JSON.parse(text) : parseYaml(text);
  } catch (error) {
    const where = error instanceof YAMLParseError && error.linePos ? ` line ${error.linePos[0].line}:` : '';
    throw new InputError(
      'bad_config',
      `${path}:${where} not valid ${extname(path) === '.json' ? 'JSON' : 'YAML'} (${(error as Error).message.split('\n')[0]}).`,
      {
        hint: 'Fix the file, or point --config / LEDGERTAP_CONFIG elsewhere.',
      },
    );
  }
  if (value === null || value === undefined) return { path, config: {} };
  if (!isSection(value as ConfigValue)) {
    throw new InputError('bad_config', `${path}: the config must be a mapping of option names to values.`, {
      hint: 'For example: `db: ledger.db` and `account: main`.',
    });
  }
  refuseSecrets(value as ConfigValue, '', path);
  return { path, config: value as Config };
}

/** `LEDGERTAP_` plus the option's long name in upper snake case: `--base-url` → `LEDGERTAP_BASE_URL`. */
export function envNameOf(option: Option): string | undefined {
  const long = option.long?.replace(/^--/, '');
  if (!long || long.startsWith('no-')) return undefined;
  return `LEDGERTAP_${long.replace(/-/g, '_').toUpperCase()}`;
}

/**
 * Runs an option's own parser on a value from the environment or the file, and names where the value
 * came from when it is refused: the message names the flag, which the user did not type.
 */
function parsed(option: Option, text: string, previous: unknown, origin: string): unknown {
  try {
    return option.parseArg ? option.parseArg(text, previous) : text;
  } catch (error) {
    if (error instanceof Error) error.message = `${origin}: ${error.message}`;
    throw error;
  }
}

function fromText(option: Option, text: string, origin: string): unknown {
  if (option.isBoolean()) {
    if (/^(1|true|yes|on)$/i.test(text)) return true;
    if (/^(0|false|no|off|)$/i.test(text)) return false;
    throw new UsageError('bad_env', `${origin}=${JSON.stringify(text)} is not a yes/no value.`, {
      hint: 'Use 1 or 0, true or false.',
    });
  }
  return parsed(option, text, option.defaultValue, origin);
}

function fromConfig(option: Option, value: ConfigValue, origin: string): unknown {
  if (option.isBoolean()) {
    if (typeof value === 'boolean') return value;
    return fromText(option, String(value), origin);
  }
  if (Array.isArray(value)) {
    // Repeatable options collect through their argParser; feed each element through it.
    let acc: unknown = Array.isArray(option.defaultValue)
      ? [...(option.defaultValue as unknown[])]
      : undefined;
    for (const item of value)
      acc = option.parseArg
        ? parsed(option, String(item), acc, origin)
        : [...((acc as unknown[]) ?? []), String(item)];
    return acc;
  }
  if (isSection(value)) throw new UsageError('bad_config', `${origin}: expected a value, found a section.`);
  // A repeatable option's collector starts from its default (commander passes it as `previous`).
  return parsed(option, String(value), option.defaultValue, origin);
}

/**
 * The config values that apply to a command: top-level values, then each section on its path. Each
 * comes with its key as the file spells it (`sync.binance.recv-window`), for messages about it.
 */
function valuesFor(config: Config, path: string[]): Map<string, { value: ConfigValue; key: string }> {
  const out = new Map<string, { value: ConfigValue; key: string }>();
  const take = (section: Record<string, ConfigValue>, written: string[]): void => {
    for (const [key, value] of Object.entries(section))
      if (!isSection(value)) out.set(normal(key), { value, key: [...written, key].join('.') });
  };
  take(config, []);
  let section: Record<string, ConfigValue> | undefined = config;
  const written: string[] = [];
  for (const name of path) {
    const next: [string, ConfigValue] | undefined = section
      ? Object.entries(section).find(([k]) => normal(k) === normal(name))
      : undefined;
    section = next && isSection(next[1]) ? next[1] : undefined;
    if (!section || !next) break;
    written.push(next[0]);
    take(section, written);
  }
  return out;
}

/** Sets every option not given on the command line from LEDGERTAP_* or the config file, recursively. */
export function applyEnvAndConfig(
  command: Command,
  env: NodeJS.ProcessEnv,
  loaded: { path: string; config: Config } | undefined,
  path: string[] = [],
): void {
  const values = loaded
    ? valuesFor(loaded.config, path)
    : new Map<string, { value: ConfigValue; key: string }>();
  for (const option of command.options as Option[]) {
    const attribute = option.attributeName();
    if (['version', 'help', 'config'].includes(attribute)) continue;
    const envName = option.envVar ?? envNameOf(option);
    const text = envName ? env[envName] : undefined;
    // An empty variable counts as unset (shells and CI systems export empty values).
    if (text !== undefined && text !== '' && !SECRET_KEY.test(attribute)) {
      command.setOptionValueWithSource(attribute, fromText(option, text, envName as string), 'env');
      continue;
    }
    const configured = values.get(normal(attribute));
    if (configured !== undefined && loaded) {
      command.setOptionValueWithSource(
        attribute,
        fromConfig(option, configured.value, `${loaded.path}: ${configured.key}`),
        'config',
      );
    }
  }
  for (const sub of command.commands) applyEnvAndConfig(sub, env, loaded, [...path, sub.name()]);
}

/**
 * Config keys that no verb reads: a section that names no verb, a key in a verb's section that is
 * neither an option of that verb (or of one of its sub-verbs) nor a sub-verb, and, when every verb is
 * loaded (only the verb being run is, otherwise), a top-level value that is no verb's option. A
 * misspelt key would otherwise be ignored without a word. `verbNames`: every verb ledgertap has.
 */
export function unknownConfigKeys(program: Command, config: Config, verbNames: readonly string[]): string[] {
  const optionsUnder = (command: Command): Set<string> => {
    const names = new Set((command.options as Option[]).map((o) => normal(o.attributeName())));
    for (const sub of command.commands) for (const name of optionsUnder(sub)) names.add(name);
    return names;
  };
  const globals = new Set((program.options as Option[]).map((o) => normal(o.attributeName())));
  const allLoaded = verbNames.every((v) => program.commands.some((c) => c.name() === v));
  const unknown: string[] = [];
  const walk = (command: Command, section: Record<string, ConfigValue>, path: string[]): void => {
    const options = optionsUnder(command);
    for (const [key, value] of Object.entries(section)) {
      const sub = command.commands.find((c) => normal(c.name()) === normal(key));
      if (sub && isSection(value)) walk(sub, value, [...path, key]);
      else if (path.length === 0 && verbNames.some((v) => normal(v) === normal(key))) continue;
      else if (path.length === 0 && !isSection(value) && !allLoaded) continue;
      else if (!options.has(normal(key)) && !globals.has(normal(key))) unknown.push([...path, key].join('.'));
    }
  };
  walk(program, config, []);
  return unknown;
}
