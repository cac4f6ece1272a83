import { getHost, type HostView } from '../services/hosts/hosts.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync host <host> [--json]

Shows one host's settings.
`,
  flags: { json: { type: 'boolean' } },
  positionals: 1,
  async run({ args, flags, app }) {
    const host = await getHost(await app(), args[0]);
    if (flags.json) return printJson(host);
    print(describeHost(host));
  },
});

export function describeHost(host: HostView): string {
  return [
    `name:        ${host.name}${host.enabled ? '' : ' (disabled)'}`,
    `address:     ${host.local ? 'local (this server, no ssh)' : `${host.user}@${host.address} port ${host.port}`}`,
    `sources:     ${host.sources.join(' ') || '(none: the host is backed up by its dumps)'}`,
    `excludes:    ${host.excludes.join(' ') || '(none)'}`,
    `rsync args:  ${host.rsyncArgs.join(' ') || '(none)'}`,
    `dumps:       ${host.dumps.length === 0 ? '(none)' : ''}`.trimEnd(),
    ...host.dumps.flatMap((dump) => [`  ${dump.name}: ${dump.command}`, ...(dump.restore ? [`    restore: ${dump.restore}`] : [])]),
  ].join('\n');
}
