import { describe, expect, it } from 'vitest';
import { classifySegment, isCredentialName, redactExample, stringFormat } from '../../analyzers/index.js';
import { stringFormatAfter } from '../../analyzers/shapes.js';

describe('classifySegment', () => {
  it.each([
    ['12345', 'int'],
    ['3f1c9a52-8a0e-4e8b-9d7e-6f1b2a3c4d5e', 'uuid'],
    ['01ARZ3NDEKTSV4RRFFQ69G5FAV', 'ulid'],
    ['507f1f77bcf86cd799439011', 'hex'],
    ['2026-01-31', 'date'],
    ['holder@example.test', 'email'],
    ['BTCUSDT', 'symbol'],
    ['ETH-BTC', 'symbol'],
    ['00u1cagurdhtxqBdf4x7', 'opaque'],
    ['a18JbG_DQketjPo0Y8wYqg', 'opaque'],
    ['NjpTwgmENj11rGdUgpCQ9', 'opaque'],
    ['v1', 'version'],
    ['v2beta1', 'version'],
    // A date with a `v` names a version; a bare date is a date until its position says otherwise.
    ['v2024-01-15', 'version'],
    ['api', 'reserved'],
    ['me', 'reserved'],
    ['oauth2', 'reserved'],
    ['users', 'reserved'],
    ['octocat', 'word'],
    ['spoon-knife', 'word'],
    ['web3auth', 'word'],
    ['base64url', 'word'],
    // camelCase path words of Binance's API are words, not random ids.
    ['userDataStream', 'word'],
    ['exchangeInfo', 'word'],
    ['myTrades', 'word'],
    ['KqYbTzWmPx', 'opaque'],
    // Too long for any route name: a value, whatever its letters.
    ['a'.repeat(257), 'opaque'],
    ['how-to-choose-a-title-for-a-long-blog-post', 'word'],
  ])('%s is %s', (segment, cls) => {
    expect(classifySegment(segment)).toBe(cls);
  });
});

describe('stringFormat', () => {
  it.each([
    ['2026-01-01T00:00:00Z', 'date-time'],
    ['2026-01-01T00:00:00.123+02:00', 'date-time'],
    ['2026-01-01', 'date'],
    ['3f1c9a52-8a0e-4e8b-9d7e-6f1b2a3c4d5e', 'uuid'],
    ['holder@example.test', 'email'],
    ['https://example.test/a?b=c', 'uri'],
    ['https://example.test/a%20b?q=%E2%82%AC', 'uri'],
    // RFC 6570 templates (GitHub's `*_url` fields) are not URIs: validators reject `{` in a `uri`.
    ['https://api.github.com/users/octocat/events{/privacy}', 'uri-template'],
    ['https://api.github.com/repos/o/r/issues{?state,labels}', 'uri-template'],
    ['https://example.test/a b', undefined],
    ['https://example.test/100%', undefined],
    ['192.0.2.1', 'ipv4'],
    ['2001:db8::1', 'ipv6'],
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln', 'jwt'],
    ['940708407462087195', 'integer-string'],
    ['0.00012345', 'decimal-string'],
    ['9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08', 'hex'],
    ['SGVsbG8sIFdvcmxkITEyMw==', 'base64'],
    ['hello world', undefined],
    ['', undefined],
  ])('%s → %s', (value, format) => {
    expect(stringFormat(value)).toBe(format);
  });

  // The fast path tries the previous value's format first; its answer must be stringFormat's for any
  // value, including look-alikes of each hinted format (a uuid's hex parts, a date's digits, an odd-length
  // or letterless hex, a number too long to count as one).
  const values = [
    '2026-01-01T00:00:00Z',
    '2026-01-01',
    '3f1c9a52-8a0e-4e8b-9d7e-6f1b2a3c4d5e',
    '3f1c9a528a0e4e8b9d7e6f1b2a3c4d5e',
    '940708407462087195',
    '-12',
    '1'.repeat(41),
    '0.00012345',
    '-1.5',
    `1.${'0'.repeat(59)}`,
    '1.2.3',
    '192.0.2.1',
    '2001:db8::1',
    'holder@example.test',
    'https://example.test/a?b=c',
    'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln',
    '9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08',
    '9F86D081884C7D659A2FEAA0C55AD015',
    '9f86d081884c7d659a2feaa0c55ad01',
    'abcdefabcdefabcdef',
    '1234567890123456',
    'a'.repeat(4098),
    'SGVsbG8sIFdvcmxkITEyMw==',
    'hello world',
    '',
  ];
  const hints = [undefined, 'integer-string', 'decimal-string', 'hex', 'uuid', 'date-time'] as const;
  it.each(hints.flatMap((hint) => values.map((v) => [hint, v] as const)))(
    'after %s: %s gets the format stringFormat gives it',
    (hint, value) => {
      expect(stringFormatAfter(value, hint)).toBe(stringFormat(value));
    },
  );
});

describe('credential names and redacted examples', () => {
  it.each([
    'Authorization',
    'x-csrf-token',
    'access_token',
    'refreshToken',
    'sessionid',
    'signature',
    'X-MBX-APIKEY',
    'password',
    // Session ids of URL rewriting (`;jsessionid=`, `;phpsessid=`) and their cookies.
    'jsessionid',
    'PHPSESSID',
    'phpsessid',
  ])('%s is credential-like', (name) => expect(isCredentialName(name)).toBe(true));
  it.each(['symbol', 'limit', 'page', 'orderId', 'keyword'])('%s is not', (name) =>
    expect(isCredentialName(name)).toBe(false),
  );
  it('redacts secrets, emails and tokens but keeps ordinary values', () => {
    expect(redactExample('abc', 'apiKey')).toBe('[redacted]');
    expect(redactExample('holder@example.test')).toBe('[redacted]');
    expect(redactExample('eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2ln')).toBe('[redacted]');
    expect(redactExample('BTCUSDT', 'symbol')).toBe('BTCUSDT');
    expect(redactExample('42')).toBe('42');
  });
});
