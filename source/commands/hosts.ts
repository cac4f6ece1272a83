import { formatTable } from '../domain/format.js';
import { listHosts } from '../services/hosts/host-view.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync hosts [--json]

Lists the hosts.
`,
  flags: { json: { type: 'boolean' } },
  async run({ flags, reader }) {
    const hosts = await listHosts(await reader());
    if (flags.json) return printJson(hosts);
    if (hosts.length === 0) return print('no hosts yet: add one with "pobsync configure-host <host> --address ADDR --source /etc"');
    print(
      formatTable(
        ['HOST', 'ADDRESS', 'STATE', 'SERVER', 'SOURCES'],
        hosts.map((host) => [
          host.name,
          host.local ? 'local' : `${host.user}@${host.address}:${host.port}`,
          host.enabled ? 'enabled' : 'disabled',
          host.server ?? '-',
          host.sources.join(' '),
        ]),
      ),
    );
  },
});
