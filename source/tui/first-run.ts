/**
 * The first run: with no backup root configured, the TUI walks the admin through the dialogs
 * that exist anyway, one after the other: the settings form (S), the server's key lines (K), the
 * host form (n), trusting the new host's key (t on the Host tab), and its first backup (b),
 * landing on its Runs tab. Esc on any step skips it (a step that needs a host added is skipped
 * without one); every step stays reachable later through its own key.
 *
 * The state is one cell: the step, and whether its dialog is yet to open, opening (a fetch
 * first) or open. When the open dialog closes, saved or not, the next step starts.
 */
import { useEffect, useRef } from 'react';
import type { Overview } from './backend.js';
import type { Dialog } from './dialogs/dialog.js';
import { hostForm } from './dialogs/host-form.js';
import type { AppEnv } from './env.js';
import { type Focus, openSettings } from './global-keys.js';
import { type Live, useLive } from './hooks/use-live.js';
import { askToTrust } from './panes/host.js';
import type { HostsPane } from './panes/hosts.js';
import type { Tab } from './panes/pane.js';

interface FirstRunEnv {
  app: AppEnv;
  overview: Overview | undefined;
  dialog: Live<Dialog | undefined>;
  hosts: HostsPane;
  focus: Live<Focus>;
  tab: Live<Tab>;
}

interface Guide {
  step: number;
  phase: 'start' | 'opening' | 'open';
  /** the hosts there were before the host form: the one added is the one that is new */
  hostsBefore: string[];
}

/** Opens the step's dialog; resolves to whether it did (when not, the next step starts). */
type Step = (env: FirstRunEnv, guide: Guide) => Promise<boolean>;

const label = (step: number) => `First run ${step}/5 (Esc skips)`;

/** The host the host form added, and whether it is local. */
async function addedHost({ app }: FirstRunEnv, guide: Guide): Promise<{ name: string; local: boolean } | undefined> {
  const { status } = await app.backend.overview();
  const added = status.hosts.find((host) => !guide.hostsBefore.includes(host.host));
  if (!added) return undefined;
  return { name: added.host, local: (await app.backend.hostSettings(added.host)).host.local };
}

const STEPS: Step[] = [
  ({ app }) => openSettings(app, `${label(1)}: where snapshots go, and the time zone`),
  ({ app }) =>
    app.backend.serverKey().then(
      (key) => {
        app.open({ kind: 'server-key', key, step: label(2) });
        return true;
      },
      () => false,
    ),
  async ({ app }) => {
    app.open({ ...hostForm(undefined), step: label(3) });
    return true;
  },
  async (env, guide) => {
    const host = await addedHost(env, guide);
    return host ? askToTrust(env.app, host.name, host.local, label(4)) : false;
  },
  async (env, guide) => {
    const host = await addedHost(env, guide);
    if (!host) return false;
    // Its Runs tab first: the backup, once queued, streams there.
    env.hosts.select(host.name);
    env.tab.set('runs');
    env.focus.set('detail');
    env.app.open({
      kind: 'confirm',
      message: `${label(5)}: queue the first backup of ${host.name} now? It streams in its Runs tab (b queues one any time).`,
      answer: { do: 'queue-backup', host: host.name },
    });
    return true;
  },
];

export function useFirstRun(env: FirstRunEnv): void {
  const guide = useLive<Guide | undefined>(undefined);
  const checked = useRef(false);
  const { overview, dialog } = env;
  useEffect(() => {
    if (checked.current || !overview) return;
    checked.current = true;
    if (overview.status.settings.backupRoot === null) {
      guide.set({ step: 0, phase: 'start', hostsBefore: overview.status.hosts.map((host) => host.host) });
    }
  }, [overview, guide]);

  const open = dialog.value !== undefined;
  // biome-ignore lint/correctness/useExhaustiveDependencies: `env` is new on every render; the guide and the dialog drive this
  useEffect(() => {
    const now = guide.value;
    if (!now) return;
    const next = () => guide.set(now.step + 1 < STEPS.length ? { ...now, step: now.step + 1, phase: 'start' } : undefined);
    if (now.phase === 'start' && !open) {
      guide.set({ ...now, phase: 'opening' });
      // A step that cannot open its dialog (or fails to) is skipped, as Esc would.
      void STEPS[now.step]!(env, now)
        .catch(() => false)
        .then((opened) => {
          if (!opened) next();
        });
    } else if (now.phase === 'opening' && open) guide.set({ ...now, phase: 'open' });
    else if (now.phase === 'open' && !open) next();
  }, [guide.value, open]);
}
