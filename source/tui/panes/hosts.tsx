import { Box, Text } from 'ink';
import { useRef } from 'react';
import { formatShortDuration } from '../../domain/format.js';
import type { HostStatus } from '../../services/monitoring/status.js';
import { Table } from '../components/table.js';
import { type Live, useLive } from '../hooks/use-live.js';
import { bind, bindingsOf, type KeySection } from '../keys/binding.js';
import { CURSOR_KEYS, useListCursor } from '../keys/cursor.js';
import { HOST_MARKS, type HostMark, tone } from '../theme.js';
import type { Pane } from './pane.js';

/**
 * What a host's row says at a glance: a backup under way first (its newest run may be a queued
 * one cancelled since), then its last run and newest snapshot.
 */
export function hostMark(host: HostStatus): HostMark {
  if (host.active) return host.active;
  // A replica host is disabled for backups, but its replications are watched like backups.
  if (!host.enabled && !host.health?.monitored) return 'disabled';
  const run = host.lastRun?.status;
  if (run === 'running') return 'running';
  if (run === 'queued') return 'queued';
  if (run === 'failed') return 'failed';
  // An interrupted run (a killed process, Ctrl-C) says nothing of the host, as status has it: the
  // result before it does (health is critical when that failed).
  if (run === 'interrupted' && host.lastSnapshot && host.health?.state === 'critical') return 'failed';
  if (run === 'partial' || host.lastSnapshot?.status === 'partial') return 'partial';
  if (!host.lastSnapshot) return run === undefined ? 'never' : 'failed';
  // Its newest snapshot is older than its max age (or twice its schedule's interval).
  if (host.health?.stale) return 'stale';
  return 'ok';
}

/** How the hosts are listed: `o` goes round them. */
export type HostOrder = 'name' | 'age' | 'status';
const ORDERS: readonly HostOrder[] = ['name', 'age', 'status'];

/** Trouble first: what failed, then what is behind, then what works, and what is off last. */
const MARK_RANK: Record<HostMark, number> = { failed: 0, partial: 1, stale: 2, never: 3, running: 4, queued: 5, ok: 6, disabled: 7 };

/** Sorted by name; by the age of the newest snapshot, oldest (or none) first; or by status, failed first. */
export function sortHosts(hosts: readonly HostStatus[], order: HostOrder): HostStatus[] {
  const byName = (a: HostStatus, b: HostStatus) => a.host.localeCompare(b.host);
  const age = (host: HostStatus) => host.lastSnapshot?.ageSeconds ?? Number.POSITIVE_INFINITY;
  const compare: Record<HostOrder, (a: HostStatus, b: HostStatus) => number> = {
    name: byName,
    age: (a, b) => (age(a) === age(b) ? byName(a, b) : age(b) - age(a)),
    status: (a, b) => MARK_RANK[hostMark(a)] - MARK_RANK[hostMark(b)] || byName(a, b),
  };
  return [...hosts].sort(compare[order]);
}

export interface HostsPane extends Pane {
  /** the selected host's name, as it is now */
  host(): string | undefined;
  select(name: string): void;
  /** the filter being typed or kept; undefined: none */
  filter(): string | undefined;
  startFilter(): void;
  /** stops typing the filter; it stays */
  keepFilter(): void;
  clearFilter(): void;
}

interface Filter {
  /** undefined: no filter */
  text: string | undefined;
  /** the filter is being typed: it has the keyboard */
  typing: boolean;
}

interface HostsContext {
  pane: HostsPane;
  filter: Live<Filter>;
  order: Live<HostOrder>;
  onOpen: () => void;
}

const typing = (c: HostsContext) => c.filter.value.typing;

export const HOSTS_KEYS: KeySection<HostsContext>[] = [
  {
    title: 'Hosts',
    bindings: [
      {
        keys: ['Enter', 'Right'],
        label: 'open',
        footerKeys: 'Enter',
        description: "open the host's tabs",
        when: (c) => !typing(c),
        handler: (c) => c.onOpen(),
      },
      {
        keys: ['o'],
        label: (c) => `by ${ORDERS[(ORDERS.indexOf(c.order.value) + 1) % ORDERS.length]}`,
        description: 'sort the hosts by name, by the age of their newest snapshot (oldest first), or by status (failed first)',
        when: (c) => !typing(c),
        handler: (c) => {
          const found = c.pane.host();
          c.order.set((order) => ORDERS[(ORDERS.indexOf(order) + 1) % ORDERS.length]!);
          if (found) c.pane.select(found);
        },
      },
    ],
  },
  {
    title: 'Typing a host filter',
    bindings: [
      {
        keys: ['Enter'],
        label: 'keep',
        description: 'keep the filter',
        when: typing,
        handler: (c) => c.pane.keepFilter(),
      },
      { keys: ['Esc'], label: 'clear', description: 'clear the filter', when: typing, handler: (c) => c.pane.clearFilter() },
      {
        keys: ['Backspace'],
        description: 'delete the last character',
        when: typing,
        handler: (c) => c.filter.set({ text: (c.filter.value.text ?? '').slice(0, -1), typing: true }),
      },
      {
        keys: ['Ctrl-u', 'Ctrl-w'],
        description: 'delete the whole filter',
        when: typing,
        handler: (c) => c.filter.set({ text: '', typing: true }),
      },
    ],
  },
];

/** The hosts on the left, filtered by name with `/`; the selected one is what the tabs show. */
export function useHostsPane(
  all: readonly HostStatus[],
  box: { width: number; height: number; now: Date; onOpen: () => void; servers?: number },
): HostsPane {
  const filter = useLive<Filter>({ text: undefined, typing: false });
  const order = useLive<HostOrder>('name');
  // Asked for several times a render and on every key: sorted again only when the hosts, the filter or the order change.
  const sorted = useRef<{ all: readonly HostStatus[]; text: string | undefined; order: HostOrder; hosts: HostStatus[] }>(undefined);
  const shown = () => {
    const { text } = filter.value;
    const last = sorted.current;
    if (last && last.all === all && last.text === text && last.order === order.value) return last.hosts;
    const hosts = sortHosts(text ? all.filter((host) => host.host.includes(text)) : all, order.value);
    sorted.current = { all, text, order: order.value, hosts };
    return hosts;
  };
  const { text, typing: typingNow } = filter.value;
  const shownFilter = typingNow || text ? (text ?? '') : undefined;
  const cursor = useListCursor(shown, {
    keyOf: (host) => host.host,
    label: 'host',
    page: box.height - 4 - (shownFilter === undefined ? 0 : 1),
  });
  const pane: HostsPane = {
    host: () => cursor.selected()?.host,
    select: (name) => cursor.select(name),
    filter: () => filter.value.text,
    startFilter: () => filter.set({ text: '', typing: true }),
    // The host the filter found stays selected when the filter goes.
    keepFilter: () => {
      const found = cursor.selected();
      filter.set({ text: filter.value.text, typing: false });
      if (found) cursor.select(found.host);
    },
    clearFilter: () => {
      const found = cursor.selected();
      filter.set({ text: undefined, typing: false });
      if (found) cursor.select(found.host);
    },
    layer: () => ({
      commands: [...bind(CURSOR_KEYS, cursor, () => !typing(context)), ...bind(bindingsOf(HOSTS_KEYS), context)],
      ...(typing(context)
        ? { text: { label: 'filter', insert: (typed: string) => filter.set({ text: `${filter.value.text ?? ''}${typed}`, typing: true }) } }
        : {}),
    }),
    view: (active) => (
      <HostsView
        hosts={shown()}
        selected={cursor.position()}
        active={active}
        filter={shownFilter}
        order={order.value}
        width={box.width}
        height={box.height}
        now={box.now}
        showServer={(box.servers ?? 1) > 1}
      />
    ),
  };
  const context: HostsContext = { pane, filter, order, onOpen: box.onOpen };
  return pane;
}

export function HostsView(props: {
  hosts: readonly HostStatus[];
  selected: number;
  active: boolean;
  filter: string | undefined;
  order?: HostOrder;
  width: number;
  height: number;
  now: Date;
  /** several servers share the catalogue: each host's server is a column (instead of NEXT when narrow) */
  showServer?: boolean;
}) {
  const { hosts, width, height, now } = props;
  const server = props.showServer === true;
  // At 80 columns the pane is 22 wide: the server takes the NEXT column's place.
  const next = !server || width >= 30;
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
        Hosts ({hosts.length}) <Text color={tone('muted')}>by {props.order ?? 'name'}</Text>
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
          ...(next ? [{ title: 'NEXT', width: 4, align: 'right' as const }] : []),
          ...(server ? [{ title: 'SERVER', width: 6 }] : []),
        ]}
        rows={hosts.map((host) => {
          const mark = hostMark(host);
          return {
            tone: HOST_MARKS[mark].tone === 'good' ? undefined : HOST_MARKS[mark].tone,
            cells: [
              HOST_MARKS[mark].symbol,
              host.host,
              host.lastSnapshot ? formatShortDuration(host.lastSnapshot.ageSeconds) : '-',
              ...(next ? [host.nextRun ? formatShortDuration((Date.parse(host.nextRun) - now.getTime()) / 1000) : '-'] : []),
              ...(server ? [host.server ?? '-'] : []),
            ],
          };
        })}
      />
    </Box>
  );
}
