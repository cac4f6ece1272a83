import { Box, Text } from 'ink';
import { formatBytes, formatCount, formatShortDuration } from '../../domain/format.js';
import type { ArchiveView } from '../../services/archives/archives.js';
import { Table } from '../components/table.js';
import { archiveForm } from '../dialogs/archive-form.js';
import type { AppEnv } from '../env.js';
import { bind, bindingsOf, type KeySection } from '../keys/binding.js';
import { CURSOR_KEYS, type ListCursor, useListCursor } from '../keys/cursor.js';
import { tone } from '../theme.js';
import { type Pane, type PaneEnv, POLL_MS, usePanePoll } from './pane.js';

interface ArchivesContext {
  app: AppEnv;
  host: string;
  archives: ListCursor<ArchiveView>;
}

export interface DeprecateArchiveAnswer {
  do: 'deprecate-archive';
  archive: ArchiveView;
}

export function deprecateArchive(env: AppEnv, { archive }: DeprecateArchiveAnswer): void {
  env.act(`deprecating archive #${archive.id}`, async () => {
    await env.backend.deprecateArchive(archive.id);
    return `archive #${archive.id} is deprecated: pobsync no longer loads or imports it`;
  });
}

/** Checked, loaded or imported only while it is current (deprecation cannot be undone), and only while its file is there. */
const usable = (archive: ArchiveView | undefined) => archive !== undefined && archive.state === 'current';

export const ARCHIVES_KEYS: KeySection<ArchivesContext>[] = [
  {
    title: 'Archives',
    bindings: [
      {
        keys: ['a'],
        label: 'create',
        description: 'create an archive (.tar.gz) of a snapshot: data, dumps or both; it runs as a run of the host',
        handler: (c) => c.app.open(archiveForm(c.host)),
      },
      {
        keys: ['v'],
        label: 'verify',
        description: 'verify the selected archive: its BLAKE2b-512 checksum, then every entry against its manifest',
        when: (c) => (c.archives.selected()?.state ?? 'purged') !== 'purged',
        handler: ({ app, archives }) => {
          const archive = archives.selected()!;
          app.act(`verifying archive #${archive.id}`, async () => {
            const check = await app.backend.verifyArchive(archive.id);
            if (!check.ok) {
              const first = check.problems[0] ?? 'its checksum differs from the catalogue';
              throw new Error(
                `archive #${archive.id} is DAMAGED: ${first}${check.problems.length > 1 ? ` (and ${check.problems.length - 1} more)` : ''}`,
              );
            }
            const checksum = check.checksum === 'match' ? 'checksum matches' : 'no checksum to compare with';
            return `archive #${archive.id} ok: ${checksum}, ${formatCount(check.files, 'file')} as its manifest says`;
          });
        },
      },
      {
        keys: ['D'],
        label: 'deprecate',
        description: 'deprecate the selected archive, irreversibly (type the host name to confirm)',
        when: (c) => usable(c.archives.selected()),
        handler: ({ app, host, archives }) => {
          const archive = archives.selected()!;
          app.open({
            kind: 'type-word',
            word: host,
            message:
              `Deprecate archive #${archive.id} (${archive.snapshot}, ${archive.optionSet})? ` +
              'This cannot be undone: pobsync will no longer load or import it.',
            answer: { do: 'deprecate-archive', archive },
            cancelled: 'the archive stays current',
          });
        },
      },
    ],
  },
];

/** The host's archives, newest first, with the checksum `b2sum FILE` should print. */
export function useArchivesPane(env: PaneEnv): Pane {
  const polled = usePanePoll(env, (host) => env.app.backend.archives(host), 2 * POLL_MS);
  const archives = polled.data ?? [];
  const cursor = useListCursor(archives, { keyOf: (archive) => archive.id, label: 'select', page: env.height - 4, scope: env.host });
  const context: ArchivesContext = { app: env.app, host: env.host ?? '', archives: cursor };
  const now = env.app.now;
  const selected = cursor.selected();
  return {
    error: polled.error,
    layer: () => ({ commands: [...bind(CURSOR_KEYS, cursor), ...bind(bindingsOf(ARCHIVES_KEYS), context)] }),
    view: (active) => (
      <Box flexDirection="column" width={env.width} height={env.height}>
        <Table
          width={env.width}
          height={env.height - 3}
          active={active}
          selected={cursor.position()}
          empty="no archives yet: a creates one"
          columns={[
            { title: '#', width: 4, align: 'right' },
            { title: 'SNAPSHOT', width: 20 },
            { title: 'CONTENTS', width: 10 },
            { title: 'STATE', width: 10 },
            { title: 'AGE', width: 4, align: 'right' },
            { title: 'SIZE', width: 8, align: 'right', optional: true },
          ]}
          rows={archives.map((archive) => ({
            tone: archive.state === 'current' ? undefined : 'muted',
            cells: [
              String(archive.id),
              archive.snapshot,
              archive.optionSet,
              archive.state,
              formatShortDuration((now.getTime() - Date.parse(archive.createdAt)) / 1000),
              formatBytes(archive.bytes),
            ],
          }))}
        />
        {selected ? (
          <Box flexDirection="column">
            <Text wrap="truncate" color={tone('muted')}>
              {selected.path}
            </Text>
            <Text wrap="truncate" color={tone('muted')}>
              {`b2sum ${selected.blake2b}`}
            </Text>
          </Box>
        ) : null}
      </Box>
    ),
  };
}
