import { Box, Text, useInput } from 'ink';
import { useState } from 'react';
import { formatInZone } from '../../domain/format.js';
import type { ScheduleView } from '../../services/schedule/schedules.js';
import type { HostSettings } from '../backend.js';
import { tone } from '../theme.js';

export const HOST_KEYS: [string, string][] = [
  ['e', 'edit host'],
  ['c', 'edit schedule'],
  ['j/k', 'select schedule'],
];

/** The host's settings, and its schedules with their next five run times. */
export function HostPane(props: {
  settings: HostSettings | undefined;
  active: boolean;
  width: number;
  height: number;
  onEditHost: () => void;
  onEditSchedule: (schedule: ScheduleView | undefined) => void;
}) {
  const [selected, setSelected] = useState(0);
  const schedules = props.settings?.schedules ?? [];
  const schedule = schedules[Math.min(selected, schedules.length - 1)];
  useInput(
    (input, key) => {
      if (input === 'e') props.onEditHost();
      else if (input === 'c') props.onEditSchedule(schedule);
      else if (key.downArrow || input === 'j') setSelected(Math.min(schedules.length - 1, selected + 1));
      else if (key.upArrow || input === 'k') setSelected(Math.max(0, selected - 1));
    },
    { isActive: props.active },
  );
  const host = props.settings?.host;
  if (!host) return <Text>loading...</Text>;
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
          <Text wrap="truncate" inverse={props.active && each === schedule}>
            {`${each.name}: "${each.cron}" ${each.timeZone}${each.prune ? ', prune' : ''}${each.enabled ? '' : ' (disabled)'}`}
          </Text>
          {index === Math.min(selected, schedules.length - 1)
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
