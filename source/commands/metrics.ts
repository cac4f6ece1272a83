import { validateAbsolutePath } from '../domain/validation.js';
import { renderMetrics, writeMetricsTextfile } from '../services/monitoring/metrics.js';
import { defineCommand } from './command.js';
import { print } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync metrics [--textfile PATH]

Prints metrics in the Prometheus text format that node_exporter's textfile collector reads:
per host the last success time, the last run's status, duration and bytes transferred, the
snapshot count and size, whether it is stale, its max age; the queue length, the runs running
and the scheduler's heartbeat.

  --textfile PATH   write them to PATH instead (a temporary file renamed over it, mode 0644),
                    e.g. /var/lib/prometheus/node-exporter/pobsync.prom

To keep such a file current without cron: "pobsync configure-global --metrics-textfile PATH";
the daemon then rewrites it after every run and every minute.
`,
  flags: { textfile: { type: 'string' } },
  async run({ flags, given, app }) {
    if (given('textfile')) {
      const path = validateAbsolutePath('textfile', flags.textfile);
      await writeMetricsTextfile(await app(), path);
      return;
    }
    print(await renderMetrics(await app()));
  },
});
