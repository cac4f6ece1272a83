import { readFile } from 'node:fs/promises';
import { UserError } from '../domain/errors.js';
import { formatTable } from '../domain/format.js';
import { migrateCatalogue } from '../services/catalogue/migrate.js';
import { defineCommand } from './command.js';
import { print, printJson } from './output.js';

export default defineCommand({
  help: `
Usage: pobsync catalogue migrate --to-file FILE [--json]      (FILE holds the URL; - reads stdin)
       POBSYNC_MIGRATE_TO=URL pobsync catalogue migrate [--json]
       pobsync catalogue migrate --to URL [--json]            (the password shows in ps)

Copies the home's SQLite catalogue (hosts, schedules, policies, settings, snapshots, runs,
archives, the scheduler lease) into an empty MariaDB database, ids kept, in one transaction,
then counts the rows of every table on both sides. The database must exist and be empty (an
admin creates it and its user); a database that holds anything is refused and nothing is
written. Stop the daemon first; afterwards set POBSYNC_DATABASE_URL to the same URL in the
daemon's environment file and start it again. The SQLite file stays as it was.

The URL names the MariaDB database: mariadb://USER:PASSWORD@HOST:PORT/DATABASE, or
mariadb://USER:PASSWORD@localhost/DATABASE?socket=/run/mysqld/mysqld.sock. It comes from one
of these; a password on the command line is seen by every user of the server (ps, /proc) while
the copy runs, so pobsync warns about it there:

  --to-file FILE   a file whose first line is the URL (keep it 0600); "-": standard input
  POBSYNC_MIGRATE_TO=URL   the environment
  --to URL         the command line
  --json           print the counts per table as JSON
`,
  flags: { to: { type: 'string' }, toFile: { type: 'string' }, json: { type: 'boolean' } },
  positionals: 1,
  async run({ args, flags, paths }) {
    if (args[0] !== 'migrate') {
      throw new UserError(
        `unknown catalogue action ${JSON.stringify(args[0] ?? '')}: the one action is "catalogue migrate --to-file FILE"`,
      );
    }
    const to = await migrationTarget(flags.to, flags.toFile, process.env);
    const report = await migrateCatalogue(paths().home, to, (line) => process.stderr.write(`${line}\n`));
    if (flags.json) return printJson(report);
    print(`copied ${report.from} into ${report.to}`);
    print(
      formatTable(
        ['TABLE', 'SQLITE', 'MARIADB'],
        report.tables.map((t) => [t.table, String(t.source), String(t.target)]),
      ),
    );
    print(
      "Next: set POBSYNC_DATABASE_URL to that URL in the daemon's environment file (/etc/pobsync/pobsync.env), " +
        'make it readable by root alone (chmod 600: it holds the password), then start the daemon',
    );
  },
});

const MIGRATE_TO_ENV = 'POBSYNC_MIGRATE_TO';

/**
 * The target's URL, from exactly one place: --to-file (its first line; "-" standard input), the
 * environment, or --to (with a warning on stderr when it holds a password: argv is public).
 */
async function migrationTarget(to: string | undefined, toFile: string | undefined, env: NodeJS.ProcessEnv): Promise<string> {
  const fromEnv = env[MIGRATE_TO_ENV] || undefined;
  const given = [toFile !== undefined && '--to-file', fromEnv !== undefined && MIGRATE_TO_ENV, to !== undefined && '--to'].filter(
    (name) => name !== false,
  );
  if (given.length > 1) throw new UserError(`catalogue migrate takes the URL from one place, not from ${given.join(' and ')}`);
  if (toFile !== undefined) {
    let text: string;
    try {
      text = toFile === '-' ? await readStdin() : await readFile(toFile, 'utf8');
    } catch (error) {
      throw new UserError(`cannot read ${toFile}: ${(error as NodeJS.ErrnoException).code ?? String(error)}`);
    }
    const url = text
      .split('\n')
      .find((line) => line.trim() !== '')
      ?.trim();
    if (!url)
      throw new UserError(
        `${toFile === '-' ? 'standard input' : toFile} holds no URL: write mariadb://USER:PASSWORD@HOST:PORT/DATABASE in it`,
      );
    return url;
  }
  if (fromEnv !== undefined) return fromEnv;
  if (!to) {
    throw new UserError(
      `catalogue migrate needs the MariaDB URL: --to-file FILE (or - for stdin), ${MIGRATE_TO_ENV}=URL, or --to URL ` +
        '(mariadb://USER:PASSWORD@HOST:PORT/DATABASE)',
    );
  }
  if (hasPassword(to)) {
    process.stderr.write(
      `pobsync: warning: the password in --to is visible to every user of this server (ps, /proc) while this runs; ` +
        `next time use --to-file FILE, --to-file - (stdin) or ${MIGRATE_TO_ENV}\n`,
    );
  }
  return to;
}

function hasPassword(url: string): boolean {
  try {
    return new URL(url).password !== '';
  } catch {
    return false;
  }
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(Buffer.from(chunk as Buffer));
  return Buffer.concat(chunks).toString('utf8');
}
