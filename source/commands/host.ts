import { formatInterval } from '../domain/interval.js';
import { getHost, type HostView } from '../services/hosts/hosts.js';
import { defineCommand } from './command.js';
import { describeAlerts } from './configure-global.js';
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
    `sources:     ${host.sources.join(' ')}`,
    `excludes:    ${host.excludes.join(' ') || '(none)'}`,
    `rsync args:  ${host.rsyncArgs.join(' ') || '(none)'}`,
    `dumps:       ${host.dumps.length === 0 ? '(none)' : ''}`.trimEnd(),
    ...host.dumps.map((dump) => `  ${dump.name}: ${dump.command}`),
    `max age:     ${host.maxAgeSeconds === null ? 'twice the interval of its most frequent schedule' : formatInterval(host.maxAgeSeconds)}`,
    `retries:     ${
      host.retries === null && host.retryDelaySeconds === null
        ? 'the global setting'
        : `${host.retries ?? 'global'}${host.retryDelaySeconds === null ? '' : `, first after ${formatInterval(host.retryDelaySeconds)}`}`
    }`,
    ...describeAlerts(host.alerts, 'the global setting').map((line) => line.replace(/^(\S+ \S+:)\s+/, (label) => label.trim().padEnd(13))),
  ].join('\n');
}
