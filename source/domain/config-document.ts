/**
 * pobsync's configuration as one YAML document (`config export`, `config apply`): the sections,
 * their order and comments, reading a file back with the place of every value, and the helpers
 * that turn YAML values into what the CLI's validators take. Which fields a host, a schedule or
 * the global settings have is not decided here but in services/config/fields.ts.
 */
import { Document, isMap, LineCounter, parseDocument, type Scalar } from 'yaml';
import { UserError } from './errors.js';
import { DEFAULT_POLICY, type PolicyInput, type RetentionPolicy, validatePolicy } from './retention.js';
import { describe } from './validation.js';

export const CONFIG_VERSION = 1;

/** The sections of the document, in the order they are written, each with the comment above it. */
export const CONFIG_SECTIONS = [
  {
    key: 'global',
    comment: ' Server-wide settings (pobsync configure-global); retention is the default policy of every host\n without its own.',
  },
  { key: 'hosts', comment: ' Hosts, by name (pobsync configure-host).' },
  { key: 'schedules', comment: ' Schedules, by host and schedule name (pobsync schedule HOST --name NAME).' },
  { key: 'retention', comment: ' Retention policies of the hosts that have their own (pobsync retention HOST --save).' },
] as const;

export type ConfigSectionKey = (typeof CONFIG_SECTIONS)[number]['key'];

/** A mapping of YAML keys to values, as read from a file (values not yet validated). */
export type ConfigEntry = Record<string, unknown>;

export interface ConfigSections {
  /** absent: the file says nothing about the global settings, and apply leaves them alone */
  global?: ConfigEntry | undefined;
  hosts?: Record<string, ConfigEntry> | undefined;
  schedules?: Record<string, Record<string, ConfigEntry>> | undefined;
  /** host name -> its policy (see policyFromConfig) */
  retention?: Record<string, unknown> | undefined;
}

/** A path to a value in the document, like ['hosts', 'web1', 'port']. */
export type ConfigPath = readonly string[];

/** The sections of a file, and where each value came from (for messages that name it). */
export interface ConfigSource {
  sections: ConfigSections;
  /** `web.yaml:12: hosts.web1.port` */
  locate(path: ConfigPath): string;
}

const HEADER =
  ' pobsync configuration. "pobsync config apply -f FILE" makes the catalogue match this file: a\n' +
  ' section left out is left alone; in a section, a key left out means its default. SSH keys stay in\n' +
  " pobsync's home and are never written here.";

/** The document as text: sections in their order with their comments; the caller orders the keys. */
export function renderConfigYaml(sections: ConfigSections): string {
  const body: Record<string, unknown> = { version: CONFIG_VERSION };
  for (const { key } of CONFIG_SECTIONS) if (sections[key] !== undefined) body[key] = sections[key];
  const document = new Document(body);
  document.commentBefore = HEADER;
  if (isMap(document.contents)) {
    for (const item of document.contents.items) {
      const section = CONFIG_SECTIONS.find(({ key }) => key === (item.key as Scalar).value);
      if (!section) continue;
      (item.key as Scalar).commentBefore = section.comment;
      (item.key as Scalar).spaceBefore = true;
    }
  }
  return document.toString({ lineWidth: 0 });
}

/**
 * Reads a configuration file: YAML syntax, the version, the sections and their shape (mappings
 * keyed by host and schedule name). The values are checked later, by the same validators as the
 * CLI's flags. `file` names the file in messages.
 */
export function parseConfigYaml(text: string, file: string): ConfigSource {
  const lines = new LineCounter();
  const document = parseDocument(text, { lineCounter: lines, uniqueKeys: true, prettyErrors: false });
  const syntax = document.errors[0];
  if (syntax) {
    throw new UserError(`${file}:${lines.linePos(syntax.pos[0]).line}: not valid YAML: ${syntax.message.split('\n')[0]}`);
  }
  // The line of a value's key (`port: 70000`), or of the nearest enclosing key that exists.
  const locate = (path: ConfigPath): string => {
    for (let depth = path.length; depth > 0; depth -= 1) {
      const parent = depth === 1 ? document.contents : document.getIn(path.slice(0, depth - 1), true);
      const pair = isMap(parent) ? parent.items.find((item) => (item.key as Scalar | null)?.value === path[depth - 1]) : undefined;
      const offset = (pair?.key as Scalar | undefined)?.range?.[0];
      if (offset !== undefined) return `${file}:${lines.linePos(offset).line}: ${path.join('.')}`;
    }
    return `${file}: ${path.join('.') || '(top)'}`;
  };
  const root = document.toJS({ maxAliasCount: 100 }) as unknown;
  if (root === null || root === undefined) return { sections: {}, locate };
  const top = mapping(root, locate([]), 'the document');
  checkKeys(top, ['version', ...CONFIG_SECTIONS.map(({ key }) => key)], locate, []);
  if (top['version'] !== CONFIG_VERSION) {
    throw new UserError(
      `${locate(['version'])}: version ${describe(top['version'])} is not allowed: this pobsync reads version ${CONFIG_VERSION}`,
    );
  }
  const named = (key: string) => (top[key] === undefined ? undefined : mapping(top[key] ?? {}, locate([key]), `the ${key} section`));
  const nested = (key: string, depth: 1 | 2) => {
    const section = named(key);
    if (!section) return undefined;
    for (const [name, value] of Object.entries(section)) {
      section[name] = mapping(value ?? {}, locate([key, name]), `${key}.${name}`);
      if (depth === 2) {
        const inner = section[name] as ConfigEntry;
        for (const [innerName, innerValue] of Object.entries(inner)) {
          inner[innerName] = mapping(innerValue ?? {}, locate([key, name, innerName]), `${key}.${name}.${innerName}`);
        }
      }
    }
    return section;
  };
  return {
    sections: {
      global: named('global'),
      hosts: nested('hosts', 1) as ConfigSections['hosts'],
      schedules: nested('schedules', 2) as ConfigSections['schedules'],
      retention: named('retention'),
    },
    locate,
  };
}

function mapping(value: unknown, where: string, what: string): ConfigEntry {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(`${where}: ${what} must be a mapping of keys to values`);
  }
  return value as ConfigEntry;
}

/** Refuses a key that is not one of `allowed`, naming it (with its place) and the allowed ones. */
export function checkKeys(entry: ConfigEntry, allowed: readonly string[], locate: (path: ConfigPath) => string, path: ConfigPath): void {
  const unknown = Object.keys(entry).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw new UserError(`${locate([...path, unknown])}: ${unknownKey(unknown, allowed)}`);
}

function unknownKey(key: string, allowed: readonly string[]): string {
  return `unknown key ${describe(key)}: use ${allowed.join(', ')}`;
}

/**
 * Runs a validator on one value and puts where the value is in front of its message:
 * `web.yaml:12: hosts.web1.port: port "x" is not allowed: ...`.
 */
export function checkAt<T>(locate: (path: ConfigPath) => string, path: ConfigPath, check: () => T): T {
  try {
    return check();
  } catch (error) {
    if (error instanceof UserError) throw new UserError(`${locate(path)}: ${error.message}`);
    throw error;
  }
}

/** A text value for a validator that takes text: numbers are written as digits; null is missing. */
export function configText(field: string, value: unknown): string | undefined {
  if (value === null || value === undefined) return undefined;
  if (typeof value === 'string') return value;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  throw new UserError(`${field} ${describe(JSON.stringify(value))} is not allowed: give it as text`);
}

/** A list of text values; null is an empty list. */
export function configTextList(field: string, value: unknown): string[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw new UserError(`${field} must be a list, one value per line starting with "- "`);
  return value.map((item) => configText(field, item) ?? '');
}

export function configBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new UserError(`${field} ${describe(value)} is not allowed: use true or false`);
  return value;
}

/**
 * Dumps as a list of `{ name, command, restore? }` (a list keeps their order: they run one after
 * the other), turned into the `NAME=COMMAND` strings the --dump flag gives validateDumps and the
 * `NAME=RESTORE` strings --dump-restore gives validateDumpRestores.
 */
export function configDumps(value: unknown): { dumps: string[]; restores: string[] } {
  const result = { dumps: [] as string[], restores: [] as string[] };
  if (value === null || value === undefined) return result;
  const shape =
    'dumps must be a list of "- name: NAME" and "command: COMMAND" pairs (and "restore: COMMAND"), like ' +
    '- { name: app.sql.gz, command: pg_dump -Fc app }';
  if (!Array.isArray(value)) throw new UserError(shape);
  for (const item of value as unknown[]) {
    if (item === null || typeof item !== 'object' || Array.isArray(item)) throw new UserError(shape);
    const { name, command, restore, ...rest } = item as ConfigEntry;
    const extra = Object.keys(rest)[0];
    if (extra !== undefined) throw new UserError(`unknown key ${describe(extra)} in a dump: use name, command, restore`);
    const dumpName = configText('dump name', name) ?? '';
    result.dumps.push(`${dumpName}=${configText(`dump command of ${String(name)}`, command) ?? ''}`);
    const restoreCommand = configText(`dump restore command of ${String(name)}`, restore);
    if (restoreCommand !== undefined) result.restores.push(`${dumpName}=${restoreCommand}`);
  }
  return result;
}

/** Alert keys in the file, and the hook fields (and CLI flags) they stand for. */
const ALERT_KEYS = { on_failure: 'onFailure', on_stale: 'onStale', on_recovery: 'onRecovery', notify_mail: 'notifyMail' } as const;

/** Alerts as a mapping of on_failure, on_stale, on_recovery and notify_mail to text, as the flags take them. */
export function configAlerts(value: unknown): { [K in (typeof ALERT_KEYS)[keyof typeof ALERT_KEYS]]?: string } {
  const allowed = Object.keys(ALERT_KEYS);
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError(`alerts must be a mapping of ${allowed.join(', ')} to a command (a mail address for notify_mail)`);
  }
  const hooks: { [K in (typeof ALERT_KEYS)[keyof typeof ALERT_KEYS]]?: string } = {};
  for (const [key, raw] of Object.entries(value as ConfigEntry)) {
    const field = ALERT_KEYS[key as keyof typeof ALERT_KEYS];
    if (!field) throw new UserError(unknownKey(key, allowed));
    hooks[field] = configText(key, raw) ?? '';
  }
  return hooks;
}

/** Alert hooks as the file writes them: the fields that are set, in ALERT_KEYS order; null when none is. */
export function alertsToConfig(hooks: { [K in (typeof ALERT_KEYS)[keyof typeof ALERT_KEYS]]?: string } | null): ConfigEntry | null {
  const entry: ConfigEntry = {};
  for (const [key, field] of Object.entries(ALERT_KEYS)) if (hooks?.[field]) entry[key] = hooks[field];
  return Object.keys(entry).length > 0 ? entry : null;
}

/** Retention policy keys in the file, and the policy fields (and CLI flags) they stand for. */
export const POLICY_KEYS: readonly { key: string; field: keyof PolicyInput & keyof RetentionPolicy }[] = [
  { key: 'keep_within', field: 'keepWithin' },
  { key: 'keep_last', field: 'keepLast' },
  { key: 'keep_hourly', field: 'keepHourly' },
  { key: 'keep_daily', field: 'keepDaily' },
  { key: 'keep_weekly', field: 'keepWeekly' },
  { key: 'keep_monthly', field: 'keepMonthly' },
  { key: 'keep_yearly', field: 'keepYearly' },
  { key: 'kind', field: 'scope' },
];

/** A policy as the file writes it: the rules that are on, and the kinds it governs. */
export function policyToConfig(policy: RetentionPolicy): ConfigEntry {
  const entry: ConfigEntry = {};
  for (const { key, field } of POLICY_KEYS) {
    if (field === 'scope' || policy[field] !== DEFAULT_POLICY[field]) entry[key] = policy[field];
  }
  return entry;
}

/**
 * A policy from the file, checked by validatePolicy (the retention command's flags); a rule left
 * out is off. Null: no policy of its own.
 */
export function policyFromConfig(value: unknown): RetentionPolicy | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) {
    throw new UserError('a retention policy must be a mapping of rules to values, like keep_daily: 7, or null for none');
  }
  const allowed = POLICY_KEYS.map(({ key }) => key);
  const unknown = Object.keys(value).find((key) => !allowed.includes(key));
  if (unknown !== undefined) throw new UserError(unknownKey(unknown, allowed));
  const input: PolicyInput = {};
  for (const { key, field } of POLICY_KEYS) {
    const rule = (value as ConfigEntry)[key];
    if (rule !== undefined) input[field] = rule;
  }
  return validatePolicy(input, DEFAULT_POLICY);
}

/** Equal as configuration: the same JSON, key order aside. */
export function sameConfigValue(a: unknown, b: unknown): boolean {
  return stableJson(a) === stableJson(b);
}

function stableJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(stableJson).join(',')}]`;
  if (value && typeof value === 'object') {
    return `{${Object.keys(value)
      .sort()
      .map((key) => `${JSON.stringify(key)}:${stableJson((value as ConfigEntry)[key])}`)
      .join(',')}}`;
  }
  return JSON.stringify(value ?? null);
}
