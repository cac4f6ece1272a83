import { describe, expect, it } from 'vitest';
import { UserError } from '../../source/domain/errors.js';
import { validateDumpRestores, validateSamplePercent } from '../../source/domain/validation.js';

const dumps = [
  { name: 'app.sql', command: 'pg_dump -Fc app' },
  { name: 'mongo.archive', command: 'mongodump --archive', restore: 'mongorestore --archive --drop' },
];

describe('dump restore commands', () => {
  it('set, keep and remove the restore command of a dump by name', () => {
    expect(validateDumpRestores(['app.sql=pg_restore --clean -d app'], dumps)).toEqual([
      { name: 'app.sql', command: 'pg_dump -Fc app', restore: 'pg_restore --clean -d app' },
      dumps[1],
    ]);
    expect(validateDumpRestores(['mongo.archive='], dumps)).toEqual([dumps[0], { name: 'mongo.archive', command: 'mongodump --archive' }]);
    expect(dumps[1]!.restore).toBe('mongorestore --archive --drop');
  });

  it('refuse a dump the host does not have, one given twice, and a command over two lines', () => {
    const refused = (values: string[], message: RegExp) => {
      expect(() => validateDumpRestores(values, dumps)).toThrow(UserError);
      expect(() => validateDumpRestores(values, dumps)).toThrow(message);
    };
    refused(['other.sql=cat'], /the host has no dump of that name \(its dumps: app\.sql, mongo\.archive\)/);
    refused(['app.sql=a', 'app.sql=b'], /given twice/);
    refused(['app.sql=a\nb'], /on one line/);
    refused(['=cat'], /give it as NAME=COMMAND/);
  });
});

describe('verify samples', () => {
  it('are a percentage above 0, up to 100', () => {
    expect([validateSamplePercent('10'), validateSamplePercent('0.5'), validateSamplePercent('100%'), validateSamplePercent(100)]).toEqual([
      10, 0.5, 100, 100,
    ]);
    for (const value of ['0', '101', 'ten', '-5', '', undefined])
      expect(() => validateSamplePercent(value)).toThrow(/sample .* is not allowed/);
  });
});
