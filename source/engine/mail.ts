/**
 * Alert mail through the local MTA: `sendmail` (Postfix, Exim, msmtp and nullmailer all provide
 * one) gets a plain text message on stdin and the recipient as an argument.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import { type HookResult, runHook } from './hook.js';

/** The sendmail program: on the PATH, or where Debian's MTAs put it; undefined without one. */
export function findSendmail(path = process.env['PATH'] ?? ''): string | undefined {
  const candidates = [...path.split(delimiter).filter(Boolean), '/usr/sbin', '/usr/lib'].map((dir) => join(dir, 'sendmail'));
  return candidates.find((candidate) => {
    try {
      accessSync(candidate, constants.X_OK);
      return true;
    } catch {
      return false;
    }
  });
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what it removes
const CONTROL_EXCEPT_NEWLINE = /[\x00-\x09\x0b-\x1f\x7f]/g;

/** Sends one plain text message; `to` is a validated address (domain/alerting.ts), `subject` one line. */
export function sendMail(sendmail: string, message: { to: string; subject: string; body: string }, timeoutMs: number): Promise<HookResult> {
  const text = [
    `To: ${message.to}`,
    `Subject: ${message.subject.replace(/[\r\n]+/g, ' ')}`,
    'Auto-Submitted: auto-generated',
    'Content-Type: text/plain; charset=utf-8',
    '',
    message.body.replace(CONTROL_EXCEPT_NEWLINE, '?'),
    '',
  ].join('\n');
  // -oi: a line with a single dot is text, not the end of the message.
  return runHook(sendmail, ['-oi', message.to], { env: {}, input: text, timeoutMs });
}
