import { createPublicKey, generateKeyPairSync, verify } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  asymmetricSigner,
  binanceEncodeParams as encodeParams,
  binanceSignRequest as signRequest,
  hmacSignature,
  hmacSigner,
} from '../../../connectors/index.js';

// CONTRACT.md §2.3: Binance's official HMAC example key pair.
const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const API_KEY = 'vmPUZE6mv9SD5VNHk4HlWFsOr6aKE2zvsw0MuIgwCIPy6utIco14y7Ju91duEh8A';

describe('HMAC signing matches every official example', () => {
  it.each([
    [
      'query only',
      'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559',
      '',
      'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71',
    ],
    [
      'non-ASCII symbol, percent-encoded before signing',
      'symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559',
      '',
      'e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3',
    ],
    [
      'legacy query + body, concatenated without separator',
      'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC',
      'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559',
      '0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77',
    ],
    [
      'WebSocket API sorted payload',
      `apiKey=${API_KEY}&price=52000.00&quantity=0.01000000&recvWindow=100&side=SELL&symbol=BTCUSDT&timeInForce=GTC&timestamp=1645423376532&type=LIMIT`,
      '',
      'aa1b5712c094bc4e57c05a1a5c1fd8d88dcd628338ea863fec7b88e59fe2db24',
    ],
  ])('%s', (_name, query, body, expected) => {
    expect(hmacSignature(SECRET, query + body)).toBe(expected);
  });

  it('builds the non-ASCII query from raw params exactly as the example (percent-encode, then sign)', () => {
    const signed = signRequest(
      hmacSigner(SECRET),
      { symbol: '１２３４５６', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC', quantity: 1, price: '0.1' },
      1499827319559,
      5000,
    );
    expect(signed.query).toBe(
      'symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559&signature=e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3',
    );
  });

  it('signs query ‖ body for POST reads and keeps the body as sent', () => {
    const signed = signRequest(
      hmacSigner(SECRET),
      { symbol: 'LTCBTC', side: 'BUY', type: 'LIMIT', timeInForce: 'GTC' },
      1499827319559,
      undefined,
      { quantity: 1, price: '0.1', recvWindow: 5000, timestamp: 1499827319559 },
    );
    // The query gets its own timestamp; the payload is the whole query (without signature) plus the body.
    const query = signed.query.replace(/&signature=.*$/, '');
    expect(signed.query.endsWith(`&signature=${hmacSignature(SECRET, query + signed.body)}`)).toBe(true);
    expect(signed.body).toBe('quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559');
  });

  it('encodes reserved characters, JSON arrays and skips undefined values', () => {
    expect(encodeParams({ a: 'x y&z', b: undefined, symbols: '["BNBBTC","BTCUSDT"]', n: 1, t: true })).toBe(
      'a=x%20y%26z&symbols=%5B%22BNBBTC%22%2C%22BTCUSDT%22%5D&n=1&t=true',
    );
  });
});

describe('Ed25519 and RSA signing', () => {
  it('Ed25519: base64 of 64 bytes, percent-encoded, verifies with the public key', () => {
    const { privateKey, publicKey } = generateKeyPairSync('ed25519');
    const signer = asymmetricSigner(privateKey);
    expect(signer.keyType).toBe('ed25519');
    const payload = 'symbol=%E8%BF%99%E6%98%AF&recvWindow=5000&timestamp=1499827319559';
    const inUrl = signer.signForUrl(payload);
    expect(inUrl).not.toMatch(/[+/=]/);
    const raw = Buffer.from(decodeURIComponent(inUrl), 'base64');
    expect(raw).toHaveLength(64);
    expect(verify(null, Buffer.from(payload), publicKey, raw)).toBe(true);
    expect(verify(null, Buffer.from(`${payload}x`), publicKey, raw)).toBe(false);
  });

  it('RSA (PKCS#8, 2048): PKCS#1 v1.5 SHA-256, 256 bytes, verifies', () => {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const signer = asymmetricSigner(privateKey);
    expect(signer.keyType).toBe('rsa');
    const payload = 'timestamp=1&recvWindow=5000';
    const raw = Buffer.from(decodeURIComponent(signer.signForUrl(payload)), 'base64');
    expect(raw).toHaveLength(256);
    expect(verify('sha256', Buffer.from(payload), createPublicKey(privateKey), raw)).toBe(true);
  });

  it('the docs’ WS-API Ed25519 examples have the shape we produce (shape check only: no private key was published)', () => {
    // CONTRACT.md §2.3: only the WS-API Ed25519 examples are 64 bytes; ours must be the same size.
    const { privateKey } = generateKeyPairSync('ed25519');
    const ours = decodeURIComponent(asymmetricSigner(privateKey).signForUrl('a=1'));
    expect(ours).toMatch(/^[A-Za-z0-9+/]{86}==$/);
  });
});

describe('a signer never reveals its secret', () => {
  it('is not in JSON, string or inspect output', async () => {
    const { inspect } = await import('node:util');
    const signer = hmacSigner(SECRET);
    expect(JSON.stringify(signer)).not.toContain(SECRET);
    expect(inspect(signer, { depth: 10, showHidden: true })).not.toContain(SECRET);
    expect(String(signer)).not.toContain(SECRET);
  });
});
