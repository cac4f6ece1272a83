import { describe, expect, it } from 'vitest';
import {
  ItemizedChanges,
  isChangeLine,
  itemizedPath,
  LineSplitter,
  listedFiles,
  missingSource,
  parseProgressLine,
  StatsCollector,
} from '../../source/domain/rsync-output.js';

describe('rsync output', () => {
  it('splits chunks into lines on \\n and \\r, across chunk boundaries', () => {
    const splitter = new LineSplitter();
    expect(splitter.push('one\ntw')).toEqual(['one']);
    expect(splitter.push('o\r  1,024  10%\r')).toEqual(['two', '  1,024  10%']);
    expect(splitter.push('\nthree\r\nfo')).toEqual(['three']);
    expect(splitter.flush()).toEqual(['fo']);
  });

  it('parses progress2 lines, during the scan and after it', () => {
    expect(parseProgressLine('  1,234,567  45%   12.50MB/s    0:01:05 (xfr#12, ir-chk=1000/2000)')).toEqual({
      bytes: 1234567,
      percent: 45,
      rate: 13107200,
      elapsedSeconds: 65,
      transferredFiles: 12,
      toCheck: 1000,
      totalFiles: 2000,
      scanComplete: false,
    });
    expect(parseProgressLine('         32,768 100%    0.00kB/s    0:00:00 (xfr#1, to-chk=0/3)')).toMatchObject({
      percent: 100,
      toCheck: 0,
      totalFiles: 3,
      scanComplete: true,
    });
    expect(parseProgressLine('         32,768   4%    0.00kB/s    0:00:00  ')).toMatchObject({
      bytes: 32768,
      percent: 4,
      transferredFiles: 0,
    });
    expect(parseProgressLine('>f+++++++++ etc/hostname')).toBeUndefined();
    expect(parseProgressLine('Number of files: 3 (reg: 2, dir: 1)')).toBeUndefined();
  });

  it('collects the stats2 block', () => {
    const stats = new StatsCollector();
    const block = `Number of files: 2,003 (reg: 2,000, dir: 3)
Number of created files: 2,003 (reg: 2,000, dir: 3)
Number of deleted files: 0
Number of regular files transferred: 2,000
Total file size: 209,715,200 bytes
Total transferred file size: 209,715,200 bytes
Literal data: 209,715,200 bytes
Matched data: 0 bytes
File list size: 65,509
File list generation time: 0.001 seconds
File list transfer time: 0.000 seconds
Total bytes sent: 209,854,130
Total bytes received: 38,127`;
    expect(stats.stats).toBeUndefined();
    for (const line of block.split('\n')) stats.push(line);
    expect(stats.stats).toEqual({
      files: 2003,
      createdFiles: 2003,
      deletedFiles: 0,
      transferredFiles: 2000,
      totalSize: 209715200,
      transferredSize: 209715200,
      literalData: 209715200,
      matchedData: 0,
      bytesSent: 209854130,
      bytesReceived: 38127,
    });
  });

  it('tells a configured source that does not exist from a file that vanished', () => {
    expect(missingSource('rsync: [sender] link_stat "/srv/www" failed: No such file or directory (2)', ['/etc', '/srv/www'])).toBe(
      '/srv/www',
    );
    expect(missingSource('rsync: link_stat "/srv/www" failed: No such file or directory (2)', ['/srv/www'])).toBe('/srv/www');
    expect(
      missingSource('rsync: [sender] link_stat "/srv/www/gone.txt" failed: No such file or directory (2)', ['/srv/www']),
    ).toBeUndefined();
    expect(missingSource('file has vanished: "/srv/www/x"', ['/srv/www'])).toBeUndefined();
  });

  it('recognises itemized changes and deletions', () => {
    expect(isChangeLine('>f+++++++++ etc/hostname')).toBe(true);
    expect(isChangeLine('cd+++++++++ etc/')).toBe(true);
    expect(isChangeLine('.d..t...... etc/')).toBe(true);
    expect(isChangeLine('*deleting   etc/old.conf')).toBe(true);
    expect(isChangeLine('sent 1,234 bytes  received 56 bytes')).toBe(false);
  });

  it('reads the path of an itemized line byte for byte, and knows when it cannot', () => {
    expect(itemizedPath('>f.st...... etc/hosts')).toEqual({ type: 'f', path: 'etc/hosts' });
    expect(itemizedPath('cd+++++++++ /srv/www/')).toEqual({ type: 'd', path: '/srv/www' });
    expect(itemizedPath('cL+++++++++ a/link -> ../b')).toEqual({ type: 'L', path: 'a/link' });
    expect(itemizedPath('hf+++++++++ a/copy => a/orig')).toEqual({ type: 'f', path: 'a/copy' });
    expect(itemizedPath('>f+++++++++ arrow -> x')).toEqual({ type: 'f', path: 'arrow -> x' });
    expect(itemizedPath('>f+++++++++ new\\#012line\\#377 tab\tand ü')).toEqual({ type: 'f', path: 'new\nline\xff tab\tand \xc3\xbc' });
    expect(itemizedPath('>f+++++++++ hash\\#134#123')).toEqual({ type: 'f', path: 'hash\\#123' });
    expect(itemizedPath('cL+++++++++ odd -> name -> x -> y')).toBe('ambiguous');
    expect(itemizedPath('*deleting   old')).toBeUndefined();
    expect(itemizedPath('sent 1,077 bytes  received 326 bytes')).toBeUndefined();
  });

  it('collects the changes of a run and the file count of its list', () => {
    expect(listedFiles('Number of files: 21 (reg: 12, dir: 7, link: 1, special: 1)')).toEqual({ regular: 12, links: 1 });
    expect(listedFiles('Number of files: 1,203 (reg: 1,200, dir: 3)')).toEqual({ regular: 1200, links: 0 });
    const changes = new ItemizedChanges('data');
    changes.push(['cd..t...... /srv/', '              0   0%    0.00kB/s    0:00:00 (xfr#0, to-chk=1/3)', '>f.st...... /srv/a']);
    expect(changes.usable).toBe(false);
    changes.push(['Number of files: 3 (reg: 1, dir: 2)']);
    expect(changes.usable).toBe(true);
    expect([...changes.changes]).toEqual([
      ['data/srv', 'd'],
      ['data/srv/a', 'f'],
    ]);
    changes.push(['cL+++++++++ odd -> name -> x']);
    expect(changes.usable).toBe(false);
  });
});
