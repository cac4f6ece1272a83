/**
 * Panes and dialogs outside the App, with the App's key dispatch: fixture data in, keys typed as
 * a user types them, the frame and the dialogs a pane opens (data) out.
 */
import { Text } from 'ink';
import { vi } from 'vitest';
import type { RunView } from '../../source/services/runs/run-view.js';
import type { Backend } from '../../source/tui/backend.js';
import type { Dialog } from '../../source/tui/dialogs/dialog.js';
import { DialogView, dialogContext, dialogLayer } from '../../source/tui/dialogs/index.js';
import type { AppEnv } from '../../source/tui/env.js';
import { useLive } from '../../source/tui/hooks/use-live.js';
import { useKeys } from '../../source/tui/keys/use-keys.js';
import type { Pane, PaneEnv } from '../../source/tui/panes/pane.js';

/** A run as the catalogue lists it: by default a manual backup of web1 that succeeded in a minute. */
export function run(id: number, overrides: Partial<RunView> = {}): RunView {
  return {
    id,
    host: 'web1',
    kind: 'manual',
    status: 'succeeded',
    queuedAt: '2026-11-23T02:15:00.000Z',
    startedAt: '2026-11-23T02:15:00.000Z',
    finishedAt: '2026-11-23T02:16:00.000Z',
    durationSeconds: 60,
    pid: 1,
    node: 'backup1',
    logPath: null,
    progress: null,
    stats: null,
    error: null,
    base: null,
    snapshot: null,
    restore: null,
    ...overrides,
  };
}

/** An AppEnv whose dialogs, status line and exit are spies. */
export function testEnv(backend: Backend, overrides: Partial<AppEnv> = {}): AppEnv {
  return {
    backend,
    now: new Date('2026-11-23T12:00:00Z'),
    timeZone: 'UTC',
    changes: 0,
    act: vi.fn(),
    say: vi.fn(),
    refresh: vi.fn(),
    open: vi.fn(),
    close: vi.fn(),
    exit: vi.fn(),
    panes: () => {
      throw new Error('no panes in this test');
    },
    ...overrides,
  };
}

export const paneEnv = (app: AppEnv, box: { width: number; height: number }, host = 'web1'): PaneEnv => ({
  app,
  host,
  ...box,
  shown: true,
});

/** A pane, focused, taking keys through the one dispatcher; on the whole terminal when it draws there. */
export function PaneHarness({ use }: { use: () => Pane }) {
  const pane = use();
  useKeys(() => pane.layer());
  return <>{pane.screen?.() ?? pane.view(true)}</>;
}

/** A dialog, open until its keys close it. */
export function DialogHarness({ dialog, env }: { dialog: Dialog; env: AppEnv }) {
  const cell = useLive<Dialog | undefined>(dialog);
  useKeys(() => {
    const context = dialogContext(cell, env);
    return context ? dialogLayer(context) : { commands: [] };
  });
  const context = dialogContext(cell, env);
  return context ? <DialogView context={context} width={100} height={40} /> : <Text>(closed)</Text>;
}
