/**
 * What alerts are made of: the three events, the hooks and mail address that receive them, and
 * the checks their settings pass at every boundary (CLI flags, config files).
 */
import { UserError } from './errors.js';

/** A backup failed (after its retries); a host's newest snapshot grew older than its max age; a host is good again. */
export const ALERT_EVENTS = ['failure', 'stale', 'recovery'] as const;
export type AlertEvent = (typeof ALERT_EVENTS)[number];

/**
 * Where alerts go: a command per event (run by `sh -c`, exactly as written, with the details in
 * its environment and as JSON on stdin), and a mail address for all three. Unset fields of a
 * host fall back to the global ones.
 */
export interface AlertHooks {
  onFailure?: string;
  onStale?: string;
  onRecovery?: string;
  notifyMail?: string;
}

export const HOOK_FIELDS = { failure: 'onFailure', stale: 'onStale', recovery: 'onRecovery' } as const satisfies Record<
  AlertEvent,
  keyof AlertHooks
>;

/** A host's hooks over the global ones, field by field. */
export function effectiveHooks(global: AlertHooks | null | undefined, host: AlertHooks | null | undefined): AlertHooks {
  const merged: AlertHooks = { ...(global ?? {}) };
  for (const [key, value] of Object.entries(host ?? {}) as [keyof AlertHooks, string | undefined][]) {
    if (value) merged[key] = value;
  }
  return merged;
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it looks for
const CONTROL = /[\x00-\x1f\x7f]/;

/** A hook command: one line, run by `sh -c` as written. "" (unset) is returned as undefined. */
export function validateHookCommand(field: string, value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  if (CONTROL.test(value)) {
    throw new UserError(`${field} ${JSON.stringify(value)} is not allowed: give one command on one line (it runs as sh -c COMMAND)`);
  }
  return value.trim();
}

const MAIL_ADDRESS =
  /^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*$/;

/** A plain mail address (it becomes a sendmail argument and a To: header). "" is undefined. */
export function validateMailAddress(value: string | undefined): string | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const address = value.trim();
  // A leading "-" would make the address one of sendmail's options.
  if (address.length > 254 || address.startsWith('-') || !MAIL_ADDRESS.test(address)) {
    throw new UserError(`notify-mail address ${JSON.stringify(value)} is not allowed: give one plain address, like root@example.com`);
  }
  return address;
}

/** How often a failed scheduled backup is tried again: 0 (never) to 10. */
export function validateRetries(value: string | number | undefined): number {
  const number = typeof value === 'string' && /^\d+$/.test(value.trim()) ? Number(value) : value;
  if (typeof number !== 'number' || !Number.isInteger(number) || number < 0 || number > 10) {
    throw new UserError(`retries ${JSON.stringify(value ?? '')} is not allowed: use a whole number from 0 to 10`);
  }
  return number;
}

/** The pause before retry `attempt` (2 = the first retry): the delay, doubled for each retry before it. */
export function retryDelaySeconds(delaySeconds: number, attempt: number): number {
  return delaySeconds * 2 ** Math.max(0, attempt - 2);
}
