import { readFile, readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ExitCode,
  HarError,
  ManualClock,
  createAtomicWriteStream,
  createRedactor,
  fileError,
  isRedactedPlaceholder,
  maskSecret,
  parseRedactedPlaceholder,
  parseTimeInput,
  writeFileAtomic,
} from '../../core/index.js';
import { useTempDirs } from '../helpers/tmp.js';

const tempDir = useTempDirs();

describe('errors', () => {
  it('carry a stable code, an exit code and the fix in the message', () => {
    const error = new HarError('truncated', 'a.har: unexpected end at byte 10.', { hint: 'Re-export it.' });
    expect(error.code).toBe('har.truncated');
    expect(error.exitCode).toBe(ExitCode.badInput);
    expect(error.message).toBe('a.har: unexpected end at byte 10. Re-export it.');
    expect(error.toJSON()).toMatchObject({ error: 'har.truncated' });
  });

  it('turns file-system errors into user errors naming the file', () => {
    const enoent = Object.assign(new Error('x'), { code: 'ENOENT' });
    expect(fileError('/nope.har', enoent)?.code).toBe('input.not_found');
    expect(fileError('/nope.har', enoent)?.message).toContain('/nope.har');
    expect(fileError('/x', new Error('plain'))).toBeUndefined();
  });
});

describe('clock', () => {
  it('a manual clock advances on sleep and records it', async () => {
    const clock = new ManualClock(1000);
    await clock.sleep(250);
    expect(clock.now()).toBe(1250);
    expect(clock.sleeps).toEqual([250]);
  });

  it.each([
    ['2024-01-31', Date.UTC(2024, 0, 31)],
    ['2024-01-31T10:00:00Z', Date.UTC(2024, 0, 31, 10)],
    ['2024-01-31 10:00', Date.UTC(2024, 0, 31, 10)],
    ['2024-01-31T10:00:00+02:00', Date.UTC(2024, 0, 31, 8)],
    ['1706695200000', 1706695200000],
    ['1706695200', 1706695200000],
    ['yesterday', undefined],
    ['2024-13-45', undefined],
    ['2027-02-30', undefined],
    ['2023-02-29', undefined],
    ['2024-02-29', Date.UTC(2024, 1, 29)],
    ['2024-04-31T10:00:00Z', undefined],
    ['2024-00-10', undefined],
  ])('parses %s', (input, expected) => {
    expect(parseTimeInput(input)).toBe(expected);
  });
});

describe('redaction primitives', () => {
  it('gives equal placeholders for equal values under one key, different under another', () => {
    const a = createRedactor(Buffer.alloc(32, 1));
    const b = createRedactor(Buffer.alloc(32, 2));
    const p1 = a.placeholder('sessiontoken123', 'cookie');
    expect(p1).toBe(a.placeholder('sessiontoken123', 'cookie'));
    expect(p1).not.toBe(b.placeholder('sessiontoken123', 'cookie'));
    expect(p1).not.toContain('sessiontoken123');
    expect(isRedactedPlaceholder(p1)).toBe(true);
    expect(parseRedactedPlaceholder(p1)?.fingerprint).toBe(a.fingerprint('sessiontoken123'));
    expect(maskSecret('abcdefghijklmnop')).not.toContain('ijkl');
  });
});

describe('atomic writes', () => {
  it('leave no file behind when aborted, and the whole file when committed', async () => {
    const dir = await tempDir();
    const target = join(dir, 'out.txt');
    const aborted = createAtomicWriteStream(target);
    aborted.stream.write('half');
    await aborted.abort();
    expect(await readdir(dir)).toEqual([]);

    const committed = createAtomicWriteStream(target, { mode: 0o600 });
    committed.stream.write('whole');
    await committed.commit();
    expect(await readFile(target, 'utf8')).toBe('whole');
    expect((await stat(target)).mode & 0o777).toBe(0o600);

    await writeFileAtomic(target, 'replaced');
    expect(await readFile(target, 'utf8')).toBe('replaced');
    expect(await readdir(dir)).toEqual(['out.txt']);
  });
});
