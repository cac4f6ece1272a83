/**
 * The terminal UI: hosts on the left, the selected host's runs, snapshots, retention and
 * settings on the right, in tabs. lazygit/k9s keys. Panes render what the hooks fetch; every
 * action goes through the Backend (the services), and its result lands in the status line.
 */
import { Box, Text, useApp, useInput } from 'ink';
import { useEffect, useState } from 'react';
import { formatCount } from '../domain/format.js';
import type { PolicyInput, RetentionScope } from '../domain/retention.js';
import type { HostView } from '../services/hosts/hosts.js';
import type { RunView } from '../services/runs/runs.js';
import type { ScheduleView } from '../services/schedule/schedules.js';
import type { Backend, Overview } from './backend.js';
import { Footer, Header, type Message, StatusLine } from './components/chrome.js';
import { ConfirmDialog, HelpDialog, TypeToConfirm } from './components/dialogs.js';
import { HostForm, PolicyForm, ScheduleForm } from './components/forms.js';
import { usePoll } from './hooks/use-poll.js';
import { type TerminalSize, useTerminalSize } from './hooks/use-terminal-size.js';
import { HOST_KEYS, HostPane } from './panes/host.js';
import { HostsPane } from './panes/hosts.js';
import { RETENTION_KEYS, RetentionPane } from './panes/retention.js';
import { LOG_KEYS, RUNS_KEYS, RunsPane } from './panes/runs.js';
import { SNAPSHOTS_KEYS, SnapshotsPane } from './panes/snapshots.js';
import { tone } from './theme.js';

export type Tab = 'runs' | 'snapshots' | 'retention' | 'host';
const TABS: [Tab, string][] = [
  ['runs', 'Runs'],
  ['snapshots', 'Snapshots'],
  ['retention', 'Retention'],
  ['host', 'Host'],
];

type Dialog =
  | { kind: 'help' }
  | { kind: 'confirm'; message: string; onYes: () => void }
  | { kind: 'type'; word: string; message: string; onConfirm: () => void }
  | { kind: 'host-form'; initial: HostView | undefined }
  | { kind: 'schedule-form'; host: string; initial: ScheduleView | undefined }
  | { kind: 'policy-form'; host: string };

const GLOBAL_KEYS: [string, string][] = [
  ['Tab/h/l', 'pane'],
  ['1-4', 'tab'],
  ['b', 'backup'],
  ['d', 'discover'],
  ['n', 'new host'],
  ['/', 'filter'],
  ['?', 'help'],
  ['q', 'quit'],
];

const POLL_MS = 1000;

export function App(props: { backend: Backend; size?: TerminalSize; initialOverview?: Overview }) {
  const { backend } = props;
  const { exit } = useApp();
  const { columns, rows } = useTerminalSize(props.size);
  const [now, setNow] = useState(() => new Date());
  const [focus, setFocus] = useState<'hosts' | 'detail'>('hosts');
  const [tab, setTab] = useState<Tab>('runs');
  const [hostName, setHostName] = useState<string>();
  const [filter, setFilter] = useState<string>();
  const [filtering, setFiltering] = useState(false);
  const [dialog, setDialog] = useState<Dialog>();
  const [message, setMessage] = useState<Message>();
  const [scope, setScope] = useState<RetentionScope>();
  const [runsMode, setRunsMode] = useState<'list' | 'log'>('list');

  useEffect(() => {
    const timer = setInterval(() => setNow(new Date()), 1000);
    return () => clearInterval(timer);
  }, []);
  // What the scheduler and worker of this process do shows in the status line.
  useEffect(
    () => backend.onEvent((event) => setMessage({ kind: event.type === 'error' ? 'error' : 'info', text: event.message })),
    [backend],
  );

  const overview = usePoll(() => backend.overview(), POLL_MS, [backend], props.initialOverview);
  const allHosts = overview.data?.status.hosts ?? [];
  const hosts = filter ? allHosts.filter((host) => host.host.includes(filter)) : allHosts;
  const hostIndex = Math.max(
    0,
    hosts.findIndex((host) => host.host === hostName),
  );
  const host = hosts[hostIndex]?.host;

  const runs = usePoll(async () => (host && tab === 'runs' ? backend.runs(host) : []), POLL_MS, [backend, host, tab]);
  const snapshots = usePoll(async () => (host && tab === 'snapshots' ? backend.snapshots(host) : []), POLL_MS, [backend, host, tab]);
  const plan = usePoll(
    async () => (host && tab === 'retention' ? backend.retention(host, scope ? { scope } : {}) : undefined),
    2 * POLL_MS,
    [backend, host, tab, scope],
  );
  const settings = usePoll(async () => (host && tab === 'host' ? backend.hostSettings(host) : undefined), 2 * POLL_MS, [
    backend,
    host,
    tab,
  ]);

  /** Runs an action without blocking the keyboard; its outcome goes to the status line. */
  const act = (busy: string, action: () => Promise<string>, after?: () => void) => {
    setMessage({ kind: 'busy', text: busy });
    action()
      .then((text) => setMessage({ kind: 'info', text }))
      .catch((error: unknown) => setMessage({ kind: 'error', text: error instanceof Error ? error.message : String(error) }))
      .finally(() => {
        overview.refresh();
        after?.();
      });
  };

  const quit = () => {
    const running = overview.data?.runningHere ?? [];
    if (running.length === 0) return exit();
    setDialog({
      kind: 'confirm',
      message:
        `${formatCount(running.length, 'backup')} running in this process (${running.map((id) => `#${id}`).join(' ')}). ` +
        `Quitting interrupts them; the next run resumes their trees. Quit?`,
      onYes: () => exit(),
    });
  };

  const cancelRun = (run: RunView) =>
    setDialog({
      kind: 'confirm',
      message: `Cancel run #${run.id} of ${run.host} (${run.status})? Its unfinished tree stays for the next run.`,
      onYes: () => act(`cancelling run #${run.id}`, async () => `run #${run.id}: ${await backend.cancelRun(run.id)}`, runs.refresh),
    });

  useInput(
    (input, key) => {
      if (filtering) {
        if (key.escape) {
          setFilter(undefined);
          setFiltering(false);
        } else if (key.return) setFiltering(false);
        else if (key.backspace || key.delete) setFilter((text) => (text ?? '').slice(0, -1));
        else if (input && !key.ctrl && !key.meta) setFilter((text) => `${text ?? ''}${input}`);
        return;
      }
      if (input === 'q' || (key.ctrl && input === 'c')) return quit();
      if (input === '?') return setDialog({ kind: 'help' });
      if (key.tab || input === 'h' || input === 'l') {
        if (input === 'h') setFocus('hosts');
        else if (input === 'l') setFocus('detail');
        else setFocus(focus === 'hosts' ? 'detail' : 'hosts');
        return;
      }
      const tabIndex = ['1', '2', '3', '4'].indexOf(input);
      if (tabIndex >= 0) return setTab(TABS[tabIndex]![0]);
      if (input === '/') {
        setFocus('hosts');
        setFiltering(true);
        return setFilter('');
      }
      if (key.escape && filter !== undefined) return setFilter(undefined);
      if (input === 'b' && host)
        return act(`queueing a backup of ${host}`, async () => `queued run #${await backend.queueBackup(host)} for ${host}`);
      if (input === 'd') {
        return act('discovering snapshots on disk', async () => {
          const report = await backend.discover();
          return (
            `discovery: ${report.recorded.length} recorded, ${report.known} already known, ${report.problems.length} ` +
            `skipped${report.problems[0] ? ` (${report.problems[0].path}: ${report.problems[0].reason})` : ''}`
          );
        });
      }
      if (input === 'n') return setDialog({ kind: 'host-form', initial: undefined });
      if (focus === 'hosts') {
        const move = (index: number) => setHostName(hosts[Math.max(0, Math.min(hosts.length - 1, index))]?.host);
        if (key.downArrow || input === 'j') move(hostIndex + 1);
        else if (key.upArrow || input === 'k') move(hostIndex - 1);
        else if (input === 'g') move(0);
        else if (input === 'G') move(hosts.length - 1);
        else if (key.return || key.rightArrow) setFocus('detail');
      }
    },
    { isActive: dialog === undefined },
  );

  const bodyHeight = Math.max(6, rows - 1 - 2 - 2);
  const hostsWidth = Math.max(22, Math.min(32, Math.floor(columns / 4)));
  const detailWidth = columns - hostsWidth;
  const innerWidth = detailWidth - 2;
  const innerHeight = bodyHeight - 3;
  const detailActive = focus === 'detail' && dialog === undefined && !filtering;
  const globalTimeZone = overview.data?.status.settings.timeZone ?? 'UTC';
  const dialogWidth = Math.min(columns, 100);

  const paneKeys =
    focus === 'hosts'
      ? [['j/k', 'host'] as [string, string], ['Enter', 'open'] as [string, string]]
      : tab === 'runs'
        ? runsMode === 'log'
          ? LOG_KEYS
          : RUNS_KEYS
        : tab === 'snapshots'
          ? SNAPSHOTS_KEYS
          : tab === 'retention'
            ? RETENTION_KEYS
            : HOST_KEYS;
  const footerKeys: [string, string][] = dialog
    ? [['Esc', 'close']]
    : filtering
      ? [
          ['type', 'filter'],
          ['Enter', 'keep'],
          ['Esc', 'clear'],
        ]
      : [...paneKeys, ...GLOBAL_KEYS];

  const body = () => {
    if (dialog?.kind === 'help') {
      return (
        <HelpDialog
          width={dialogWidth}
          onClose={() => setDialog(undefined)}
          sections={[
            [
              'Everywhere',
              [
                ['Tab/Shift-Tab h/l', 'switch pane'],
                ['j/k ↑/↓', 'move'],
                ['g/G', 'top/bottom'],
                ['1-4', 'Runs, Snapshots, Retention, Host'],
                ['Enter', 'open'],
                ['Esc', 'back, close'],
                ['b', 'queue a backup of the host'],
                ['d', 'discover snapshots on disk'],
                ['n', 'add a host'],
                ['/', 'filter hosts'],
                ['?', 'this help'],
                ['q', 'quit'],
              ],
            ],
            ['Runs', RUNS_KEYS],
            ['Run log', LOG_KEYS],
            ['Snapshots', SNAPSHOTS_KEYS],
            ['Retention', RETENTION_KEYS],
            ['Host', HOST_KEYS],
          ]}
        />
      );
    }
    if (dialog?.kind === 'confirm') {
      return (
        <ConfirmDialog
          width={dialogWidth}
          message={dialog.message}
          onAnswer={(yes) => {
            setDialog(undefined);
            if (yes) dialog.onYes();
          }}
        />
      );
    }
    if (dialog?.kind === 'type') {
      return (
        <TypeToConfirm
          width={dialogWidth}
          word={dialog.word}
          message={dialog.message}
          onDone={(confirmed) => {
            setDialog(undefined);
            if (confirmed) dialog.onConfirm();
            else setMessage({ kind: 'info', text: 'nothing was deleted' });
          }}
        />
      );
    }
    if (dialog?.kind === 'host-form') {
      return (
        <HostForm
          width={dialogWidth}
          initial={dialog.initial}
          onCancel={() => setDialog(undefined)}
          onSave={async (name, values) => {
            const saved = await backend.configureHost(name, values);
            setDialog(undefined);
            setHostName(saved.name);
            setMessage({
              kind: 'info',
              text:
                `${dialog.initial ? 'saved' : 'added'} host ` +
                `${saved.name}${saved.local ? '' : `: pin its key with "pobsync trust-host ${saved.name}"`}`,
            });
            overview.refresh();
            settings.refresh();
          }}
        />
      );
    }
    if (dialog?.kind === 'schedule-form') {
      return (
        <ScheduleForm
          width={dialogWidth}
          host={dialog.host}
          initial={dialog.initial}
          globalTimeZone={globalTimeZone}
          now={now}
          onCancel={() => setDialog(undefined)}
          onSave={async (name, values) => {
            const saved = await backend.configureSchedule(dialog.host, name, {
              cron: values.cron,
              timeZone: values.timeZone,
              prune: values.prune,
            });
            setDialog(undefined);
            setMessage({ kind: 'info', text: `saved schedule ${saved.host}/${saved.name}: next run ${saved.nextFires[0] ?? '-'}` });
            settings.refresh();
          }}
        />
      );
    }
    if (dialog?.kind === 'policy-form') {
      return (
        <PolicyForm
          width={dialogWidth}
          host={dialog.host}
          initial={
            plan.data?.policy ?? {
              keepWithin: null,
              keepLast: 0,
              keepHourly: 0,
              keepDaily: 0,
              keepWeekly: 0,
              keepMonthly: 0,
              keepYearly: 0,
              scope: 'scheduled',
            }
          }
          preview={(whatIf: PolicyInput) => backend.retention(dialog.host, whatIf)}
          onCancel={() => setDialog(undefined)}
          onSave={async (policy) => {
            const saved = await backend.savePolicy(dialog.host, policy);
            setDialog(undefined);
            setScope(undefined);
            setMessage({ kind: 'info', text: `saved the retention policy of ${saved.host}` });
            plan.refresh();
          }}
        />
      );
    }
    return (
      <Box flexDirection="row" height={bodyHeight}>
        <HostsPane
          hosts={hosts}
          selected={hostIndex}
          active={focus === 'hosts' && !dialog}
          filter={filtering || filter ? (filter ?? '') : undefined}
          width={hostsWidth}
          height={bodyHeight}
          now={now}
        />
        <Box
          flexDirection="column"
          width={detailWidth}
          height={bodyHeight}
          borderStyle={detailActive ? 'double' : 'single'}
          borderColor={detailActive ? tone('accent') : undefined}
        >
          <Text wrap="truncate">
            {TABS.map(([id, label], index) => (
              <Text key={id} inverse={tab === id} bold={tab === id}>
                {` ${index + 1} ${label} `}
              </Text>
            ))}
            <Text color={tone('muted')}>{host ? `  ${host}` : ''}</Text>
          </Text>
          {!host ? (
            <Text color={tone('muted')}>{allHosts.length === 0 ? 'No hosts yet: press n to add one.' : 'No host selected.'}</Text>
          ) : tab === 'runs' ? (
            <RunsPane
              key={host}
              runs={runs.data ?? []}
              backend={backend}
              active={detailActive}
              width={innerWidth}
              height={innerHeight}
              onCancel={cancelRun}
              onModeChange={setRunsMode}
            />
          ) : tab === 'snapshots' ? (
            <SnapshotsPane
              key={host}
              snapshots={snapshots.data ?? []}
              active={detailActive}
              width={innerWidth}
              height={innerHeight}
              now={now}
              onProtect={(snapshot) =>
                act(
                  `${snapshot.protected ? 'unprotecting' : 'protecting'} ${snapshot.name}`,
                  async () => {
                    await backend.setProtected(host, snapshot.name, !snapshot.protected);
                    return `${snapshot.name} is ${snapshot.protected ? 'no longer protected' : 'protected: retention never removes it'}`;
                  },
                  snapshots.refresh,
                )
              }
            />
          ) : tab === 'retention' ? (
            <RetentionPane
              key={host}
              plan={plan.data}
              scope={scope ?? plan.data?.policy.scope ?? 'scheduled'}
              active={detailActive}
              width={innerWidth}
              height={innerHeight}
              onScope={setScope}
              onEdit={() => setDialog({ kind: 'policy-form', host })}
              onApply={() => {
                const shown = plan.data?.entries.filter((entry) => entry.action === 'remove').map((entry) => entry.name) ?? [];
                if (shown.length === 0) return setMessage({ kind: 'info', text: 'the plan removes nothing' });
                setDialog({
                  kind: 'type',
                  word: host,
                  message:
                    `This deletes ${formatCount(shown.length, 'snapshot')} of ${host} from ` +
                    `disk${scope ? ` (with the ${scope} preview)` : ''}.`,
                  onConfirm: () =>
                    act(
                      `deleting ${formatCount(shown.length, 'snapshot')} of ${host}`,
                      async () => {
                        const result = await backend.applyRetention(host, scope ? { scope } : {}, shown, (done, total) =>
                          setMessage({ kind: 'busy', text: `deleting snapshots of ${host}: ${done}/${total}` }),
                        );
                        const changed =
                          result.unconfirmed.length > 0
                            ? `; the plan changed meanwhile, ${result.unconfirmed.length} more not deleted`
                            : '';
                        return `deleted ${formatCount(result.deleted.length, 'snapshot')} of ${host}; ${result.plan.kept} kept${changed}`;
                      },
                      plan.refresh,
                    ),
                });
              }}
            />
          ) : (
            <HostPane
              key={host}
              settings={settings.data}
              active={detailActive}
              width={innerWidth}
              height={innerHeight}
              onEditHost={() => settings.data && setDialog({ kind: 'host-form', initial: settings.data.host })}
              onEditSchedule={(schedule) => setDialog({ kind: 'schedule-form', host, initial: schedule })}
            />
          )}
        </Box>
      </Box>
    );
  };

  const error =
    overview.error ??
    (tab === 'runs' ? runs.error : tab === 'snapshots' ? snapshots.error : tab === 'retention' ? plan.error : settings.error);
  return (
    <Box flexDirection="column" width={columns} height={rows - 1}>
      <Header overview={overview.data} width={columns} now={now} />
      {body()}
      <Box flexGrow={1} />
      <StatusLine message={error && !message ? { kind: 'error', text: error } : message} width={columns} />
      <Footer keys={footerKeys} width={columns} />
    </Box>
  );
}
