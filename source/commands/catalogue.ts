import { UserError } from '../domain/errors.js';
import { formatTable } from '../domain/format.js';
import { migrateCatalogue } from '../services/catalogue/migrate.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync catalogue migrate --to mariadb://USER:PASSWORD@HOST:PORT/DATABASE [--json]

Copies the home's SQLite catalogue (hosts, schedules, policies, settings, snapshots, runs,
archives, the scheduler lease) into an empty MariaDB database, ids kept, in one transaction,
then counts the rows of every table on both sides. The database must exist and be empty (an
admin creates it and its user); a database that holds anything is refused and nothing is
written. Stop the daemon first; afterwards set POBSYNC_DATABASE_URL to the same URL in the
daemon's environment file and start it again. The SQLite file stays as it was.

  --to URL   the MariaDB database: mariadb://USER:PASSWORD@HOST:PORT/DATABASE, or
             mariadb://USER:PASSWORD@localhost/DATABASE?socket=/run/mysqld/mysqld.sock
  --json     print the counts per table as JSON
`,
  flags: { to: { type: 'string' }, json: { type: 'boolean' } },
  positionals: 1,
  async run({ args, flags, paths }) {
    if (args[0] !== 'migrate') {
      throw new UserError(`unknown catalogue action ${JSON.stringify(args[0] ?? '')}: the one action is "catalogue migrate --to URL"`);
    }
    if (!flags.to) throw new UserError('catalogue migrate needs --to mariadb://USER:PASSWORD@HOST:PORT/DATABASE');
    const report = await migrateCatalogue(paths().home, flags.to, (line) => process.stderr.write(`${line}\n`));
    if (flags.json) return printJson(report);
    print(`copied ${report.from} into ${report.to}`);
    print(
      formatTable(
        ['TABLE', 'SQLITE', 'MARIADB'],
        report.tables.map((t) => [t.table, String(t.source), String(t.target)]),
      ),
    );
    print(
      "Next: set POBSYNC_DATABASE_URL to the --to URL in the daemon's environment file (/etc/pobsync/pobsync.env), " +
        'make it readable by root alone (chmod 600: it holds the password), then start the daemon',
    );
  },
});
