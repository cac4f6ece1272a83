import { Box, Text } from 'ink';
import { formatCount, formatInZone } from '../../domain/format.js';
import { describeCron } from '../../domain/schedule.js';
import { joinWords } from '../../domain/word-list.js';
import type { TrustOffer } from '../../services/hosts/keys.js';
import type { HostRemovalPreview, SnapshotChoice } from '../../services/hosts/removal.js';
import type { ScheduleView } from '../../services/schedule/schedules.js';
import type { HostSettings } from '../backend.js';
import { errorText } from '../components/chrome.js';
import { hostForm } from '../dialogs/host-form.js';
import { renameForm } from '../dialogs/rename-form.js';
import { scheduleForm } from '../dialogs/schedule-form.js';
import type { AppEnv } from '../env.js';
import { bind, bindingsOf, type KeySection } from '../keys/binding.js';
import { CURSOR_KEYS, type ListCursor, useListCursor } from '../keys/cursor.js';
import { tone } from '../theme.js';
import { type Pane, type PaneEnv, POLL_MS, usePanePoll } from './pane.js';

interface HostContext {
  app: AppEnv;
  host: string;
  settings: HostSettings | undefined;
  schedules: ListCursor<ScheduleView>;
}

export interface RemoveHostAnswer {
  do: 'remove-host';
  host: string;
  snapshots: SnapshotChoice;
  seen: HostRemovalPreview;
}

export interface RemoveScheduleAnswer {
  do: 'remove-schedule';
  host: string;
  schedule: string;
}

export function removeSchedule(env: AppEnv, { host, schedule }: RemoveScheduleAnswer): void {
  env.act(`removing schedule ${host}/${schedule}`, async () => {
    await env.backend.removeSchedule(host, schedule);
    return `removed schedule ${schedule} of ${host}`;
  });
}

export function removeHost(env: AppEnv, { host, snapshots, seen }: RemoveHostAnswer): void {
  env.act(`removing host ${host}`, async () => {
    const result = await env.backend.removeHost(host, snapshots, seen);
    if (result.outcome === 'cancelled') return `host ${host} changed since you confirmed (a new snapshot?): nothing was removed`;
    if (result.outcome === 'disabled') {
      return `host ${host} is disabled, its schedules removed; its ${formatCount(result.keptSnapshots, 'snapshot')} stay restorable`;
    }
    const deleted = result.deletedSnapshots.length > 0 ? ` and ${formatCount(result.deletedSnapshots.length, 'snapshot')}` : '';
    return `removed host ${host}${deleted}`;
  });
}

/** Asks what removing the host involves, then for its name to be typed; refuses what the service would refuse, with why. */
function askToRemove(app: AppEnv, host: string, snapshots: SnapshotChoice): void {
  app.backend
    .hostRemoval(host)
    .then((seen) => {
      if (seen.activeRuns.length > 0) {
        return app.say({
          kind: 'error',
          text: `host ${host} has run #${seen.activeRuns[0]} queued or running: remove it when that is done`,
        });
      }
      if (snapshots === 'delete' && seen.protectedSnapshots.length > 0) {
        return app.say({
          kind: 'error',
          text: `host ${host} has protected snapshots (${seen.protectedSnapshots.join(', ')}): unprotect them first, or keep them (D)`,
        });
      }
      const what =
        seen.snapshots === 0
          ? `Remove host ${host}? It has no snapshots.`
          : snapshots === 'keep'
            ? `Remove host ${host}, keeping its ${formatCount(seen.snapshots, 'snapshot')}? ` +
              'The host stays, disabled and without schedules, so they remain restorable.'
            : `Remove host ${host} and DELETE its ${formatCount(seen.snapshots, 'snapshot')} from disk? This cannot be undone.`;
      app.open({
        kind: 'type-word',
        word: host,
        message: `${what}${seen.unfinished ? ' Its unfinished trees in .incomplete/ are deleted.' : ''}`,
        answer: { do: 'remove-host', host, snapshots, seen },
        cancelled: `host ${host} was not removed`,
      });
    })
    .catch((error: unknown) => app.say({ kind: 'error', text: errorText(error) }));
}

export interface TrustHostAnswer {
  do: 'trust-host';
  host: string;
  /** what the admin saw: only these keys are pinned */
  offer: TrustOffer;
}

export function trustHostKeys(env: AppEnv, { host, offer }: TrustHostAnswer): void {
  env.act(`pinning the keys of ${host}`, async () => {
    const { pinned } = await env.backend.trustHost(host, offer);
    return pinned
      ? `${host}: keys pinned${offer.changed ? ' (the ones pinned before are replaced)' : ''}`
      : `${host} offers other keys than the ones you saw: nothing was pinned; press t to look again`;
  });
}

const keyLines = (keys: TrustOffer['offered']) => keys.map((key) => `${key.type} ${key.fingerprint}`);
/** Each key's type over its SHA256 fingerprint (the column's title says SHA256): two of them fit side by side in 100 columns. */
const keyColumn = (keys: TrustOffer['offered']) => keys.flatMap((key) => [key.type, key.fingerprint.replace(/^SHA256:/, '')]);

/**
 * Fetches the keys the host offers and, unless they are pinned already, asks for its name to be
 * typed before they are pinned: a changed key shows the old and the new fingerprints side by
 * side, with a warning. Resolves to whether it asked (the first run goes on when it did not).
 */
export function askToTrust(app: AppEnv, host: string, local: boolean, step?: string): Promise<boolean> {
  if (local) {
    app.say({ kind: 'info', text: `host ${host} is local (copied on this server without ssh): it has no key to trust` });
    return Promise.resolve(false);
  }
  app.say({ kind: 'busy', text: `fetching the keys ${host} offers` });
  return app.backend
    .trustOffer(host)
    .then(({ offer, pinned }) => {
      if (pinned) {
        app.say({ kind: 'info', text: `${host}: its keys are pinned already and unchanged (${keyLines(offer.offered).join(', ')})` });
        return false;
      }
      const where = `${host} (${offer.address} port ${offer.port})`;
      app.say({
        kind: 'info',
        text: `${where} offers ${offer.offered.length === 1 ? 'a key' : 'keys'}: check it, then type ${host} to pin it`,
      });
      app.open({
        kind: 'type-word',
        word: host,
        message:
          (step ? `${step}: ` : '') +
          (offer.changed
            ? `${where} offers keys other than the ones pinned for it. Replace the pinned keys with these?`
            : `${where} offers these keys. Compare them with the host's own (ssh-keygen -lf /etc/ssh/ssh_host_ed25519_key.pub ` +
              `on the host), then trust them:\n${keyLines(offer.offered)
                .map((line) => `  ${line}`)
                .join('\n')}`),
        ...(offer.changed
          ? {
              columns: [
                { title: 'pinned before (old), SHA256', lines: keyColumn(offer.pinned) },
                { title: 'offered now (new), SHA256', lines: keyColumn(offer.offered) },
              ],
              warning:
                'WARNING: the host key has CHANGED. A reinstalled host explains this; anything else may be someone in between. ' +
                'Check the new fingerprint on the host before you confirm.',
            }
          : {}),
        answer: { do: 'trust-host', host, offer },
        cancelled: `nothing was pinned for ${host}`,
      });
      return true;
    })
    .catch((error: unknown) => {
      app.say({ kind: 'error', text: errorText(error) });
      return false;
    });
}

const scheduleNames = (c: HostContext): string[] => (c.settings?.schedules ?? []).map((schedule) => schedule.name);

export const HOST_KEYS: KeySection<HostContext>[] = [
  {
    title: 'Host',
    bindings: [
      {
        keys: ['e'],
        label: 'edit host',
        description: 'edit the host: address, ssh user and port, sources, excludes, rsync args, dumps, enabled',
        when: (c) => c.settings !== undefined,
        handler: (c) => c.app.open(hostForm(c.settings!.host)),
      },
      {
        keys: ['c'],
        label: 'edit schedule',
        description: 'edit the selected schedule (or add one), its cron expression checked as you type',
        handler: (c) => c.app.open(scheduleForm(c.host, c.schedules.selected(), scheduleNames(c))),
      },
      {
        keys: ['a'],
        label: 'add schedule',
        description: 'add a further schedule, under a name no other schedule of the host has',
        when: (c) => c.settings !== undefined,
        handler: (c) => c.app.open(scheduleForm(c.host, undefined, scheduleNames(c))),
      },
      {
        keys: ['x'],
        label: 'delete schedule',
        description: 'delete the selected schedule (asks first)',
        when: (c) => c.schedules.selected() !== undefined,
        handler: (c) => {
          const schedule = c.schedules.selected()!;
          c.app.open({
            kind: 'confirm',
            message: `Delete schedule ${schedule.name} of ${c.host} (${describeCron(schedule.cron, schedule.host, '"')})?`,
            answer: { do: 'remove-schedule', host: c.host, schedule: schedule.name },
          });
        },
      },
      {
        keys: ['t'],
        label: 'trust key',
        description: "trust the host's SSH key: fingerprints shown (old and new if changed), its name typed to pin it",
        when: (c) => c.settings !== undefined,
        handler: (c) => void askToTrust(c.app, c.host, c.settings!.host.local),
      },
      {
        keys: ['R'],
        label: 'rename',
        description: 'rename the host: its catalogue rows and its directory on disk (not while a run is active)',
        when: (c) => c.settings !== undefined,
        handler: (c) => c.app.open(renameForm(c.host)),
      },
      {
        keys: ['D'],
        label: 'remove',
        description: 'remove the host, keeping its snapshots (it stays disabled, restorable); type its name to confirm',
        when: (c) => c.settings !== undefined,
        handler: (c) => askToRemove(c.app, c.host, 'keep'),
      },
      {
        keys: ['X'],
        description: 'remove the host and delete its snapshots (protected ones refuse it); type its name to confirm',
        when: (c) => c.settings !== undefined,
        handler: (c) => askToRemove(c.app, c.host, 'delete'),
      },
    ],
  },
];

/** The host's settings, and its schedules with their next five run times. */
export function useHostPane(env: PaneEnv): Pane {
  const polled = usePanePoll(env, (host) => env.app.backend.hostSettings(host), 2 * POLL_MS);
  const settings = polled.data;
  const schedules = settings?.schedules ?? [];
  const cursor = useListCursor(schedules, { keyOf: (schedule) => schedule.id, label: 'select schedule', page: 1, scope: env.host });
  const context: HostContext = { app: env.app, host: env.host ?? '', settings, schedules: cursor };
  return {
    error: polled.error,
    layer: () => ({ commands: [...bind(CURSOR_KEYS, cursor), ...bind(bindingsOf(HOST_KEYS), context)] }),
    view: (active) => <HostView settings={settings} selected={cursor.position()} active={active} width={env.width} height={env.height} />,
  };
}

function HostView(props: { settings: HostSettings | undefined; selected: number; active: boolean; width: number; height: number }) {
  const host = props.settings?.host;
  if (!host) return <Text>loading...</Text>;
  const schedules = props.settings?.schedules ?? [];
  const field = (label: string, value: string) => (
    <Text wrap="truncate">
      <Text color={tone('muted')}>{label.padEnd(12)}</Text>
      {value}
    </Text>
  );
  return (
    <Box flexDirection="column" width={props.width} height={props.height}>
      {field('name', `${host.name}${host.enabled ? '' : '  (disabled: schedules do not fire)'}`)}
      {field('address', host.local ? 'local (this server, no ssh)' : `${host.user}@${host.address} port ${host.port}`)}
      {field('sources', joinWords(host.sources))}
      {field('excludes', joinWords(host.excludes) || '(none)')}
      {field('rsync args', joinWords(host.rsyncArgs) || '(none)')}
      {field('dumps', host.dumps.map((dump) => `${dump.name}=${dump.command}`).join(' ;; ') || '(none)')}
      <Text> </Text>
      <Text bold>Schedules{schedules.length === 0 ? ': none (c or a adds one)' : ''}</Text>
      {schedules.map((each, index) => (
        <Box key={each.id} flexDirection="column">
          <Text wrap="truncate" inverse={props.active && index === props.selected}>
            {`${each.name}: ${describeCron(each.cron, each.host, '"')} ${each.timeZone}` +
              `${each.prune ? ', prune' : ''}${each.enabled ? '' : ' (disabled)'}`}
          </Text>
          {index === props.selected
            ? each.nextFires.map((time) => (
                <Text key={time} color={tone('muted')} wrap="truncate">
                  {'  '}
                  {formatInZone(new Date(time), each.timeZone)}
                </Text>
              ))
            : null}
        </Box>
      ))}
    </Box>
  );
}
