import { Box, Text } from 'ink';
import { formatInZone } from '../../domain/format.js';
import { describeCron } from '../../domain/schedule.js';
import type { ScheduleView } from '../../services/schedule/schedules.js';
import type { HostSettings } from '../backend.js';
import { hostForm } from '../dialogs/host-form.js';
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

export const HOST_KEYS: KeySection<HostContext>[] = [
  {
    title: 'Host',
    bindings: [
      {
        keys: ['e'],
        label: 'edit host',
        description: 'edit the host: address, ssh user and port, sources, excludes',
        when: (c) => c.settings !== undefined,
        handler: (c) => c.app.open(hostForm(c.settings!.host)),
      },
      {
        keys: ['c'],
        label: 'edit schedule',
        description: 'edit the selected schedule (or add one), its cron expression checked as you type',
        handler: (c) => c.app.open(scheduleForm(c.host, c.schedules.selected())),
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
      {field('sources', host.sources.join(' '))}
      {field('excludes', host.excludes.join(' ') || '(none)')}
      {field('rsync args', host.rsyncArgs.join(' ') || '(none)')}
      <Text> </Text>
      <Text bold>Schedules{schedules.length === 0 ? ': none (c adds one)' : ''}</Text>
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
