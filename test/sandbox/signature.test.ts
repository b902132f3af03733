/**
 * The sandbox's verifier against the official HMAC test vectors of CONTRACT.md 2.3 (SPOT rest-api.md,
 * "HMAC Keys"): it accepts each documented signature and rejects any alteration of payload or signature.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { sandboxSignaturePayload, verifySandboxSignature } from '../../sandbox/index.js';

const SECRET = 'NhqPtmdSJYdKjVHjA7PZj4Mge3R5YNiP1e3UZjInClVN65XAbvqqM6A7H5fATj0j';
const key = { type: 'hmac' as const, secret: SECRET };

const VECTORS = [
  {
    name: 'ASCII query',
    query:
      'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559',
    body: '',
    signature: 'c8db56825ae71d6d79447849e617115f4a920fa2acdcab2b053c4b2838bd6b71',
  },
  {
    name: 'percent-encoded non-ASCII symbol',
    query:
      'symbol=%EF%BC%91%EF%BC%92%EF%BC%93%EF%BC%94%EF%BC%95%EF%BC%96&side=BUY&type=LIMIT&timeInForce=GTC&quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559',
    body: '',
    signature: 'e1353ec6b14d888f1164ae9af8228a3dbd508bc82eb867db8ab6046442f33ef3',
  },
  {
    name: 'legacy mixed query and body (concatenated without separator)',
    query: 'symbol=LTCBTC&side=BUY&type=LIMIT&timeInForce=GTC',
    body: 'quantity=1&price=0.1&recvWindow=5000&timestamp=1499827319559',
    signature: '0fd168b8ddb4876a0358a8d14d0c9f3da0e9b20c5d52b2a00fcf7d1c602f9a77',
  },
];

describe('signature verifier: official HMAC vectors', () => {
  for (const v of VECTORS) {
    it(`accepts ${v.name}`, () => {
      const { payload, signature } = sandboxSignaturePayload(`${v.query}&signature=${v.signature}`, v.body);
      expect(payload).toBe(v.query + v.body);
      expect(signature).toBe(v.signature);
      expect(verifySandboxSignature(key, payload, v.signature)).toBe(true);
      // Hex is case-insensitive.
      expect(verifySandboxSignature(key, payload, v.signature.toUpperCase())).toBe(true);
    });

    it(`rejects altered copies of ${v.name}`, () => {
      const payload = v.query + v.body;
      expect(verifySandboxSignature(key, payload.replace('BUY', 'SELL'), v.signature)).toBe(false);
      expect(verifySandboxSignature(key, `${payload}&x=1`, v.signature)).toBe(false);
      const flipped = (v.signature[0] === 'a' ? 'b' : 'a') + v.signature.slice(1);
      expect(verifySandboxSignature(key, payload, flipped)).toBe(false);
      expect(verifySandboxSignature(key, payload, v.signature.slice(0, 63))).toBe(false);
      expect(
        verifySandboxSignature({ type: 'hmac', secret: SECRET.toLowerCase() }, payload, v.signature),
      ).toBe(false);
    });
  }

  it('rejects the mixed example when the parts are joined with "&" (the payload has no separator)', () => {
    const v = VECTORS[2]!;
    expect(verifySandboxSignature(key, `${v.query}&${v.body}`, v.signature)).toBe(false);
  });

  it('rejects the non-ASCII example signed over the decoded (not percent-encoded) symbol', () => {
    const decoded = decodeURIComponent(VECTORS[1]!.query);
    expect(verifySandboxSignature(key, decoded, VECTORS[1]!.signature)).toBe(false);
  });

  it('strips every signature pair from query and body, keeping the other bytes exactly', () => {
    const r = sandboxSignaturePayload('a=1&signature=x&b=%20', 'c=2');
    expect(r).toEqual({ payload: 'a=1&b=%20c=2', signature: 'x', count: 1 });
    expect(sandboxSignaturePayload('a=1&signature=x', 'signature=y').count).toBe(2);
  });

  it('verifies Ed25519 and RSA (base64, percent-encoded in the URL) and rejects tampering', () => {
    for (const type of ['ed25519', 'rsa'] as const) {
      const pair =
        type === 'ed25519'
          ? generateKeyPairSync('ed25519')
          : generateKeyPairSync('rsa', { modulusLength: 2048 });
      const payload = 'symbol=BTCUSDT&timestamp=1499827319559';
      const sig = sign(type === 'ed25519' ? null : 'sha256', Buffer.from(payload), pair.privateKey).toString(
        'base64',
      );
      const k = { type, publicKey: pair.publicKey };
      expect(verifySandboxSignature(k, payload, encodeURIComponent(sig))).toBe(true);
      expect(verifySandboxSignature(k, `${payload}0`, encodeURIComponent(sig))).toBe(false);
      expect(verifySandboxSignature(k, payload, encodeURIComponent(`A${sig.slice(1)}`))).toBe(sig[0] === 'A');
      expect(verifySandboxSignature(k, payload, '%%%')).toBe(false);
      expect(verifySandboxSignature(k, payload, 'not base64!')).toBe(false);
    }
  });
});
