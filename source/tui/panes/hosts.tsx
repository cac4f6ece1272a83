import { Box, Text } from 'ink';
import { formatShortDuration } from '../../domain/format.js';
import type { HostStatus } from '../../services/monitoring/status.js';
import { Table } from '../components/table.js';
import { HOST_MARKS, type HostMark, tone } from '../theme.js';

/** What a host's row says at a glance, from its last run and newest snapshot. */
export function hostMark(host: HostStatus): HostMark {
  if (!host.enabled) return 'disabled';
  const run = host.lastRun?.status;
  if (run === 'running') return 'running';
  if (run === 'queued') return 'queued';
  if (run === 'failed' || run === 'interrupted') return 'failed';
  if (run === 'partial' || host.lastSnapshot?.status === 'partial') return 'partial';
  if (!host.lastSnapshot) return run === undefined ? 'never' : 'failed';
  return 'ok';
}

export function HostsPane(props: {
  hosts: HostStatus[];
  selected: number;
  active: boolean;
  filter: string | undefined;
  width: number;
  height: number;
  now: Date;
}) {
  const { hosts, width, height } = props;
  const filterLine = props.filter !== undefined ? 1 : 0;
  return (
    <Box
      flexDirection="column"
      width={width}
      height={height}
      borderStyle={props.active ? 'double' : 'single'}
      borderColor={props.active ? tone('accent') : undefined}
    >
      <Text bold wrap="truncate">
        Hosts ({hosts.length})
      </Text>
      {filterLine ? <Text wrap="truncate">/{props.filter}▏</Text> : null}
      <Table
        width={width - 2}
        height={height - 3 - filterLine}
        active={props.active}
        selected={props.selected}
        empty={props.filter ? 'no host matches' : 'no hosts: n adds one'}
        columns={[
          { title: '', width: 1 },
          { title: 'HOST' },
          { title: 'AGE', width: 4, align: 'right' },
          { title: 'NEXT', width: 4, align: 'right' },
        ]}
        rows={hosts.map((host) => {
          const mark = hostMark(host);
          return {
            tone: HOST_MARKS[mark].tone === 'good' ? undefined : HOST_MARKS[mark].tone,
            cells: [
              HOST_MARKS[mark].symbol,
              host.host,
              host.lastSnapshot ? formatShortDuration(host.lastSnapshot.ageSeconds) : '-',
              host.nextRun ? formatShortDuration((Date.parse(host.nextRun) - props.now.getTime()) / 1000) : '-',
            ],
          };
        })}
      />
    </Box>
  );
}
