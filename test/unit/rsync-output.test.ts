import { describe, expect, it } from 'vitest';
import { isChangeLine, LineSplitter, missingSource, parseProgressLine, StatsCollector } from '../../source/domain/rsync-output.js';

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
});
