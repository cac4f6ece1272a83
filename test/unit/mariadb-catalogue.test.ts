/**
 * The installer's MariaDB catalogue helper (scripts/systemd/mariadb-catalogue.ts), without a
 * server: the names it takes, the SQL root runs, the URL pobsync reads back, the environment file.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BadArgument,
  catalogueUrl,
  checkName,
  checkSocket,
  generatePassword,
  setUpCatalogue,
  setupSql,
  withVariable,
  writePrivateFile,
} from '../../scripts/systemd/mariadb-catalogue.js';
import { describeLocation, parseDatabaseUrl } from '../../source/catalogue/location.js';

const dirs: string[] = [];
function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'pobsync-mariadb-catalogue-'));
  dirs.push(dir);
  return dir;
}
afterEach(() => {
  for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

describe('names and the socket', () => {
  it('takes letters, digits and _ only, 1 to 32 of them', () => {
    expect(checkName('database', 'pobsync')).toBe('pobsync');
    expect(checkName('user', 'Pob_sync2')).toBe('Pob_sync2');
    for (const bad of ['', 'a'.repeat(33), 'pob-sync', 'x`; drop database mysql; --', "o'brien", 'name with space', 'p$'])
      expect(() => checkName('user', bad), bad).toThrow(BadArgument);
    expect(() => checkName('database', 'a b')).toThrow('the MariaDB database name "a b" is not allowed: 1 to 32 letters, digits or _');
  });

  it('takes an absolute socket path without quotes, spaces or ..', () => {
    expect(checkSocket('/run/mysqld/mysqld.sock')).toBe('/run/mysqld/mysqld.sock');
    for (const bad of ['run/mysqld.sock', '/tmp/my sock', "/tmp/'s", '/run/../etc/x', '/tmp/100%'])
      expect(() => checkSocket(bad), bad).toThrow(BadArgument);
  });
});

describe('the SQL root runs', () => {
  it('creates the database and the user, sets the password, and grants that database only', () => {
    expect(setupSql({ database: 'pobsync', user: 'pobsync', password: 'Ab3-_x', socket: '/s' })).toBe(
      [
        'CREATE DATABASE IF NOT EXISTS `pobsync` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci;',
        "CREATE USER IF NOT EXISTS 'pobsync'@'localhost' IDENTIFIED BY 'Ab3-_x';",
        "ALTER USER 'pobsync'@'localhost' IDENTIFIED BY 'Ab3-_x';",
        "GRANT ALL PRIVILEGES ON `pobsync`.* TO 'pobsync'@'localhost';",
        '',
      ].join('\n'),
    );
  });

  it('refuses a name or a password that would need quoting', () => {
    expect(() => setupSql({ database: 'a`b', user: 'u', password: 'p', socket: '/s' })).toThrow(BadArgument);
    expect(() => setupSql({ database: 'd', user: "u'", password: 'p', socket: '/s' })).toThrow(BadArgument);
    expect(() => setupSql({ database: 'd', user: 'u', password: "p'; drop user root; --", socket: '/s' })).toThrow(BadArgument);
  });

  it('generates passwords of 32 characters that need no quoting, each new', () => {
    const passwords = new Set(Array.from({ length: 50 }, generatePassword));
    expect(passwords.size).toBe(50);
    for (const password of passwords) expect(password).toMatch(/^[A-Za-z0-9_-]{32}$/);
  });
});

describe('the URL', () => {
  it('is one pobsync reads back: the user, the password, the database and the socket', () => {
    const password = generatePassword();
    const url = catalogueUrl({ database: 'pob_cat', user: 'pob_user', password, socket: '/run/mysqld/mysqld.sock' });
    expect(url).toBe(`mariadb://pob_user:${password}@localhost/pob_cat?socket=/run/mysqld/mysqld.sock`);
    expect(parseDatabaseUrl(url)).toEqual({
      dialect: 'mariadb',
      user: 'pob_user',
      password,
      database: 'pob_cat',
      host: 'localhost',
      port: 3306,
      socket: '/run/mysqld/mysqld.sock',
    });
    expect(describeLocation(parseDatabaseUrl(url))).not.toContain(password);
  });

  it('keeps a socket path with URL characters intact', () => {
    const socket = '/tmp/a&b#c?d/sock';
    expect(parseDatabaseUrl(catalogueUrl({ database: 'd', user: 'u', password: 'p', socket })).socket).toBe(socket);
  });
});

describe('the environment file', () => {
  it('gets the variable in place of its old lines, every other line as it was', () => {
    const text = '# comment\nPOBSYNC_HOME=/var/lib/pobsync\nPOBSYNC_DATABASE_URL=old\nPOBSYNC_PREFIX=/opt/pobsync\n';
    expect(withVariable(text, 'POBSYNC_DATABASE_URL', 'new')).toBe(
      '# comment\nPOBSYNC_HOME=/var/lib/pobsync\nPOBSYNC_DATABASE_URL=new\nPOBSYNC_PREFIX=/opt/pobsync\n',
    );
    expect(withVariable('A=1\n', 'B', '2')).toBe('A=1\nB=2\n');
    expect(withVariable('', 'B', '2')).toBe('B=2\n');
    expect(withVariable('B=1\nA=1\n B = 3\n', 'B', '2')).toBe('B=2\nA=1\n');
  });

  it('is written 0600 whatever the umask, over a file that was 0644', () => {
    const file = join(tempDir(), 'pobsync.env');
    writeFileSync(file, 'POBSYNC_HOME=/x\n', { mode: 0o644 });
    const umask = process.umask(0);
    try {
      writePrivateFile(file, 'POBSYNC_HOME=/y\n');
    } finally {
      process.umask(umask);
    }
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(readFileSync(file, 'utf8')).toBe('POBSYNC_HOME=/y\n');
  });

  it('keeps a URL the file has already, and asks nothing of MariaDB then', () => {
    const file = join(tempDir(), 'pobsync.env');
    const before = 'POBSYNC_HOME=/x\nPOBSYNC_DATABASE_URL=mariadb://app:secret@db1:3306/cat\n';
    writeFileSync(file, before);
    // No server listens on this socket: a call to MariaDB would fail.
    expect(setUpCatalogue({ envFile: file, socket: '/nonexistent/sock', database: 'pobsync', user: 'pobsync' })).toEqual({
      action: 'kept',
      catalogue: 'mariadb://app@db1:3306/cat',
    });
    expect(readFileSync(file, 'utf8')).toBe(before);
  });

  it('refuses a bad name before it reads or writes anything', () => {
    const file = join(tempDir(), 'pobsync.env');
    writeFileSync(file, 'POBSYNC_HOME=/x\n');
    expect(() => setUpCatalogue({ envFile: file, socket: '/run/mysqld/mysqld.sock', database: 'a;b', user: 'pobsync' })).toThrow(
      BadArgument,
    );
    expect(readFileSync(file, 'utf8')).toBe('POBSYNC_HOME=/x\n');
  });
});
