// Loaded with `node --import` by the benches: writes this node process's own CPU time (user and
// system, every thread of it, none of its children) to $BENCH_CPU_FILE when it exits.
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_CPU_FILE;
if (file) {
  process.on('exit', () => {
    const { user, system } = process.cpuUsage();
    writeFileSync(file, JSON.stringify({ user: user / 1e6, system: system / 1e6 }));
  });
}
