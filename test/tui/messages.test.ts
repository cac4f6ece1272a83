/** The status line: what each supervisor event says and in which colour, and how long it stays. */
import { describe, expect, it } from 'vitest';
import { eventMessage, expiryOf, shownMessage } from '../../source/tui/messages.js';

describe('status line messages', () => {
  it('a failed run is an error, a cancelled one a warning, a good one news', () => {
    const at = 0;
    expect(eventMessage({ type: 'finished', level: 'error', message: 'run #5 web1 failed: boom' }, at).kind).toBe('error');
    expect(eventMessage({ type: 'finished', level: 'warning', message: 'run #6 web1 cancelled: ' }, at).kind).toBe('warn');
    expect(eventMessage({ type: 'error', message: 'run #7 failed: boom' }, at).kind).toBe('error');
    expect(eventMessage({ type: 'finished', level: 'info', message: 'run #8 web1 succeeded' }, at).kind).toBe('info');
  });

  it('goes away after some seconds, an error later than news; what is still going on stays', () => {
    const at = Date.parse('2026-11-23T12:00:00Z');
    const later = (seconds: number) => new Date(at + seconds * 1000);
    const info = { kind: 'info', text: 'saved', at } as const;
    const error = { kind: 'error', text: 'boom', at } as const;
    const busy = { kind: 'busy', text: 'deleting', at } as const;
    expect(shownMessage(info, later(1))).toBe(info);
    expect(shownMessage(info, later(60))).toBeUndefined();
    expect(shownMessage(error, later(15))).toBe(error);
    expect(shownMessage(error, later(120))).toBeUndefined();
    expect(shownMessage(busy, later(3600))).toBe(busy);
  });

  it('says when it goes (the App renders once then, not every second until then)', () => {
    const at = Date.parse('2026-11-23T12:00:00Z');
    const info = { kind: 'info', text: 'saved', at } as const;
    const expiry = expiryOf(info)!;
    expect(shownMessage(info, new Date(expiry - 1))).toBe(info);
    expect(shownMessage(info, new Date(expiry))).toBeUndefined();
    expect(expiryOf({ kind: 'error', text: 'boom', at })).toBe(at + 30_000);
    expect(expiryOf({ kind: 'busy', text: 'deleting', at })).toBeUndefined();
    expect(expiryOf(undefined)).toBeUndefined();
  });
});
