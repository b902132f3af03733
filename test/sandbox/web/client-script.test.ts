/**
 * The page script's md5 (it derives the `csrftoken` header from the `cr00` cookie in the browser) against
 * node:crypto, on block-boundary lengths, non-ASCII text and long input; and the script parses as is.
 */
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { CLIENT_SCRIPT } from '../../../sandbox/web/client-script.js';

function scriptMd5(): (text: string) => string {
  const src = CLIENT_SCRIPT.slice(
    CLIENT_SCRIPT.indexOf('function md5'),
    CLIENT_SCRIPT.indexOf('window.__md5'),
  );
  return new Function(`${src}; return md5;`)() as (text: string) => string;
}

describe('sandbox web page script', () => {
  const md5 = scriptMd5();
  const cases = [
    '',
    'a',
    'abc',
    'message digest',
    '0'.repeat(55),
    '0'.repeat(56),
    '0'.repeat(63),
    '0'.repeat(64),
    '0'.repeat(65),
    'é中文🚀\u0000',
    'x'.repeat(100_000),
  ];
  it.each(cases.map((c) => [c.length, c]))(
    'md5 of a %i-character string matches node:crypto',
    (_len, text) => {
      expect(md5(text)).toBe(createHash('md5').update(text, 'utf8').digest('hex'));
    },
  );

  it('matches the RFC 1321 test suite vectors', () => {
    expect(md5('abc')).toBe('900150983cd24fb0d6963f7d28e17f72');
    expect(md5('abcdefghijklmnopqrstuvwxyz')).toBe('c3fcd3d76192e4007dfb496cca67e13b');
    expect(md5('1234567890'.repeat(8))).toBe('57edf4a22be3c955ac49da2e2107b67a');
  });

  it('is plain JavaScript that parses without a build step', () => {
    expect(() => new Function(CLIENT_SCRIPT)).not.toThrow();
    expect(CLIENT_SCRIPT).not.toMatch(/\bimport\b|\brequire\(/);
  });
});
