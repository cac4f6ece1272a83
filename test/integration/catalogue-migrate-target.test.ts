/**
 * Where `catalogue migrate` takes the MariaDB URL from: a file or standard input (--to-file), the
 * environment (POBSYNC_MIGRATE_TO), or --to, which warns that the password shows in ps. No MariaDB
 * listens on the URL used here, so each run ends at the connection, which names the target
 * without its password: proof of which URL was read. The copy itself: mariadb.test.ts.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { expectOk, type Workspace, workspace } from '../helpers/pobsync.js';

let ws: Workspace;
// Port 1 on loopback: nothing listens, the connection is refused at once.
const URL = 'mariadb://app:s3cret@127.0.0.1:1/cat';
const TARGET = 'mariadb://app@127.0.0.1:1/cat';
const onSqlite = { POBSYNC_DATABASE_URL: '' };

beforeEach(async () => {
  ws = workspace();
  await expectOk(ws.run(['configure-global', '--backup-root', ws.backupRoot], { env: onSqlite }));
});
afterEach(() => ws?.cleanup());

function expectReached(result: { code: number; stderr: string }): void {
  expect(result.code, result.stderr).toBe(1);
  expect(result.stderr).toContain(`the catalogue ${TARGET} cannot be reached`);
  expect(result.stderr).not.toContain('s3cret');
}

describe('catalogue migrate: the target URL', () => {
  it('reads it from a file, from standard input or from the environment, without a warning', async () => {
    const file = join(ws.dir, 'target-url');
    writeFileSync(file, `\n${URL}\n`, { mode: 0o600 });
    for (const result of [
      await ws.run(['catalogue', 'migrate', '--to-file', file], { env: onSqlite }),
      await ws.run(['catalogue', 'migrate', '--to-file', '-'], { env: onSqlite, input: `${URL}\n` }),
      await ws.run(['catalogue', 'migrate'], { env: { ...onSqlite, POBSYNC_MIGRATE_TO: URL } }),
    ]) {
      expectReached(result);
      expect(result.stderr).not.toContain('warning');
    }
  });

  it('takes it from --to too, and warns that ps shows a password there', async () => {
    const result = await ws.run(['catalogue', 'migrate', '--to', URL], { env: onSqlite });
    expectReached(result);
    expect(result.stderr).toContain(
      'pobsync: warning: the password in --to is visible to every user of this server (ps, /proc) while this runs; ' +
        'next time use --to-file FILE, --to-file - (stdin) or POBSYNC_MIGRATE_TO\n',
    );
    const noPassword = await ws.run(['catalogue', 'migrate', '--to', TARGET], { env: onSqlite });
    expect(noPassword.stderr).toContain(`the catalogue ${TARGET} cannot be reached`);
    expect(noPassword.stderr).not.toContain('warning');
  });

  it('refuses two sources, an empty file, a missing file, and none at all, in one line each (exit 2)', async () => {
    const empty = join(ws.dir, 'empty');
    writeFileSync(empty, '\n\n');
    const cases: [string[], NodeJS.ProcessEnv, string][] = [
      [['--to-file', empty, '--to', URL], {}, 'catalogue migrate takes the URL from one place, not from --to-file and --to'],
      [['--to', URL], { POBSYNC_MIGRATE_TO: URL }, 'not from POBSYNC_MIGRATE_TO and --to'],
      [['--to-file', empty], {}, `${empty} holds no URL`],
      [['--to-file', join(ws.dir, 'nowhere')], {}, `cannot read ${join(ws.dir, 'nowhere')}: ENOENT`],
      [[], {}, 'catalogue migrate needs the MariaDB URL: --to-file FILE (or - for stdin), POBSYNC_MIGRATE_TO=URL, or --to URL'],
    ];
    for (const [args, env, message] of cases) {
      const result = await ws.run(['catalogue', 'migrate', ...args], { env: { ...onSqlite, ...env } });
      expect(result.code, args.join(' ')).toBe(2);
      expect(result.stderr.trim().split('\n'), args.join(' ')).toHaveLength(1);
      expect(result.stderr).toContain(message);
      expect(result.stderr).not.toContain('s3cret');
    }
  });
});
