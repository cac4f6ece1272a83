import { describe, expect, it } from 'vitest';
import { checkEntry, newEntryCheckState, optionSetOf, parseChecksumLine, type TarEntryHead } from '../../source/domain/archive.js';

/** Judges entries in order, as an archive's reader meets them; returns each refusal (or undefined). */
function judge(entries: Partial<TarEntryHead>[]): (string | undefined)[] {
  const state = newEntryCheckState();
  return [{ path: 'manifest.json', type: 'File' }, ...entries]
    .map((entry) => checkEntry({ path: '', type: 'File', size: 0, ...entry } as TarEntryHead, state))
    .slice(1);
}

describe('archive entries', () => {
  it('accept what pobsync writes', () => {
    expect(
      judge([
        { path: 'manifest.b2', type: 'File' },
        { path: 'data/', type: 'Directory' },
        { path: 'data/etc/', type: 'Directory' },
        { path: 'data/etc/hosts', type: 'File' },
        { path: 'data/etc/hosts.link', type: 'Link', linkpath: 'data/etc/hosts' },
        { path: 'data/etc/localtime', type: 'SymbolicLink', linkpath: '/usr/share/zoneinfo/UTC' },
        { path: 'data/etc/rel', type: 'SymbolicLink', linkpath: '../../data/etc/hosts' },
        { path: 'dumps/', type: 'Directory' },
        { path: 'dumps/app.sql.gz', type: 'File' },
      ]),
    ).toEqual(Array(9).fill(undefined));
  });

  it('refuse names and types that could write outside the directory, or that pobsync never writes', () => {
    const cases: [Partial<TarEntryHead>[], RegExp][] = [
      [[{ path: 'data/../../x' }], /holds "\.\."/],
      [[{ path: '/etc/passwd' }], /absolute name/],
      [[{ path: 'data/./x' }], /not normalized/],
      [[{ path: 'etc/passwd' }], /only manifest\.json, manifest\.b2, data\/ and dumps\/ belong/],
      [[{ path: 'data/x', type: 'SymbolicLink', linkpath: '../../../etc' }], /leads out of the directory/],
      [[{ path: 'data/x', type: 'SymbolicLink', linkpath: '/etc' }, { path: 'data/x/passwd' }], /below the symlink data\/x/],
      [[{ path: 'dumps/x', type: 'SymbolicLink', linkpath: 'y' }], /dumps\/ holds only plain files/],
      [[{ path: 'data/x', type: 'Link', linkpath: '/etc/shadow' }], /not to a file earlier in the archive/],
      [[{ path: 'data/x', type: 'Link', linkpath: 'data/later' }], /not to a file earlier in the archive/],
      [[{ path: 'data/null', type: 'CharacterDevice' }], /character device/],
      [[{ path: 'data/sda', type: 'BlockDevice' }], /block device/],
      [[{ path: 'data/fifo', type: 'FIFO' }], /FIFO/],
      [[{ path: 'data/x' }, { path: 'data/x' }], /appears twice/],
      [[{ path: 'data/f' }, { path: 'data/f/g' }], /below the file data\/f/],
      [[{ path: 'dumps/../x' }], /holds "\.\."/],
      [[{ path: 'dumps/-rf' }], /not a dump name/],
    ];
    for (const [entries, refusal] of cases) expect(judge(entries).at(-1), JSON.stringify(entries)).toMatch(refusal);
  });

  it('want manifest.json first', () => {
    const state = newEntryCheckState();
    expect(checkEntry({ path: 'data/x', type: 'File', size: 1 }, state)).toMatch(/the first entry is "data\/x", not manifest\.json/);
  });

  it('read option sets and b2sum lines', () => {
    expect([optionSetOf({}), optionSetOf({ data: true }), optionSetOf({ dumps: true }), optionSetOf({ data: true, dumps: true })]).toEqual([
      'data+dumps',
      'data',
      'dumps',
      'data+dumps',
    ]);
    const hash = 'a1'.repeat(64);
    expect(parseChecksumLine(`${hash}  web1_x.tar.gz\n`, 'web1_x.tar.gz')).toBe(hash);
    expect(parseChecksumLine(`${hash}  other.tar.gz\n`, 'web1_x.tar.gz')).toBeUndefined();
  });
});
