/**
 * Colours and status marks. Every mark is a character and a word that reads without colour;
 * with NO_COLOR set (https://no-color.org) no colour is used at all.
 */
import type { RunStatus } from '../domain/types.js';

const noColor = () => Boolean(process.env['NO_COLOR']);

export type Tone = 'good' | 'warn' | 'bad' | 'busy' | 'muted' | 'accent';

const TONES: Record<Tone, string> = { good: 'green', warn: 'yellow', bad: 'red', busy: 'cyan', muted: 'gray', accent: 'blue' };

/** A colour for Ink's `color` prop, or undefined under NO_COLOR. */
export function tone(value: Tone): string | undefined {
  return noColor() ? undefined : TONES[value];
}

export type HostMark = 'ok' | 'partial' | 'stale' | 'failed' | 'running' | 'queued' | 'never' | 'disabled';

export const HOST_MARKS: Record<HostMark, { symbol: string; tone: Tone }> = {
  ok: { symbol: '✓', tone: 'good' },
  partial: { symbol: '!', tone: 'warn' },
  stale: { symbol: '~', tone: 'warn' },
  failed: { symbol: '✗', tone: 'bad' },
  running: { symbol: '▶', tone: 'busy' },
  queued: { symbol: '…', tone: 'busy' },
  never: { symbol: '·', tone: 'muted' },
  disabled: { symbol: '-', tone: 'muted' },
};

export function runTone(status: RunStatus): Tone {
  switch (status) {
    case 'succeeded':
      return 'good';
    case 'partial':
    case 'skipped':
      return 'warn';
    case 'failed':
    case 'interrupted':
      return 'bad';
    case 'running':
    case 'queued':
      return 'busy';
    default:
      return 'muted';
  }
}
