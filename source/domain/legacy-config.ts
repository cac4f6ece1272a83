/**
 * The legacy configuration layout: one YAML file per host, as the system pobsync grew from kept
 * them under its prefix (`/opt/pobsync/config/hosts/web1.yaml`). Each file becomes the host's
 * entries in pobsync's own document (domain/config-document.ts), so `config import-legacy`
 * checks and applies them exactly as `config apply` does.
 *
 *   host: web1                 # optional: the file's name without .yaml
 *   address: web1.example.com  # required; or "local"
 *   user: root                 # optional (root)
 *   port: 22                   # optional (22)
 *   sources: [/etc, /var/www]  # required
 *   excludes: ['*.tmp']        # optional
 *   schedule: "15 2 * * *"     # optional: one cron expression, the schedule "default"
 *   retention:                 # optional: within, last, hourly, daily, weekly, monthly, yearly
 *     daily: 7
 *     weekly: 4
 */
import type { ConfigEntry } from './config-document.js';
import { UserError } from './errors.js';
import { describe } from './validation.js';

export const LEGACY_KEYS = ['host', 'address', 'user', 'port', 'sources', 'excludes', 'schedule', 'retention'] as const;
export type LegacyKey = (typeof LEGACY_KEYS)[number];

/** Legacy retention keys and the policy keys of the document they become. */
export const LEGACY_RETENTION_KEYS: Readonly<Record<string, string>> = {
  within: 'keep_within',
  last: 'keep_last',
  hourly: 'keep_hourly',
  daily: 'keep_daily',
  weekly: 'keep_weekly',
  monthly: 'keep_monthly',
  yearly: 'keep_yearly',
};

/** The schedule a legacy `schedule:` becomes. */
export const LEGACY_SCHEDULE_NAME = 'default';

export interface LegacyHost {
  name: string;
  /** the host's entry in the document's hosts section */
  host: ConfigEntry;
  /** its schedules section: empty, or the default schedule */
  schedules: Record<string, ConfigEntry>;
  /** its policy in the document's retention section, or null for none of its own */
  retention: ConfigEntry | null;
}

/**
 * One legacy file's content. `fileStem` names the host when the file has no `host:` key.
 * `at(key)` says where a key is (`web1.yaml:3`), for messages; unknown keys are refused there.
 * Values are not checked here: `config apply`'s validators check them, as for any document.
 */
export function translateLegacyHost(raw: unknown, fileStem: string, at: (key: string) => string): LegacyHost {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new UserError(`${at('')}: a host file must be a mapping of keys (${LEGACY_KEYS.join(', ')}) to values`);
  }
  const entry = raw as ConfigEntry;
  const unknown = Object.keys(entry).find((key) => !(LEGACY_KEYS as readonly string[]).includes(key));
  if (unknown !== undefined) throw new UserError(`${at(unknown)}: unknown key ${describe(unknown)}: use ${LEGACY_KEYS.join(', ')}`);
  const name = entry['host'] === undefined ? fileStem : entry['host'];
  if (typeof name !== 'string') throw new UserError(`${at('host')}: host ${describe(name)} is not allowed: give the host's name as text`);

  const host: ConfigEntry = {};
  for (const key of ['address', 'user', 'port', 'sources', 'excludes'] as const) if (entry[key] !== undefined) host[key] = entry[key];
  const schedules: Record<string, ConfigEntry> = {};
  if (entry['schedule'] !== undefined && entry['schedule'] !== null) schedules[LEGACY_SCHEDULE_NAME] = { cron: entry['schedule'] };

  let retention: ConfigEntry | null = null;
  const policy = entry['retention'];
  if (policy !== undefined && policy !== null) {
    if (typeof policy !== 'object' || Array.isArray(policy)) {
      throw new UserError(`${at('retention')}: retention must be a mapping of rules to counts, like daily: 7`);
    }
    retention = {};
    for (const [key, value] of Object.entries(policy)) {
      const translated = LEGACY_RETENTION_KEYS[key];
      if (translated === undefined) {
        throw new UserError(
          `${at('retention')}: unknown retention key ${describe(key)}: use ${Object.keys(LEGACY_RETENTION_KEYS).join(', ')}`,
        );
      }
      retention[translated] = value;
    }
  }
  return { name, host, schedules, retention };
}

/** Which legacy key a value of the translated document came from, for messages: hosts.web1.sources -> sources. */
export function legacyKeyOf(path: readonly string[]): string {
  const [section, , key] = path;
  if (section === 'schedules') return 'schedule';
  if (section === 'retention') return 'retention';
  return key ?? '';
}
