/**
 * The sandbox's API key: HMAC (a shared secret), Ed25519 or RSA (the server holds the public key; the
 * private key is handed to the client, optionally as an owner-only PEM file in a temp dir).
 */
import { generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { KeyPermissions } from '../data/model.js';

export type KeyType = 'hmac' | 'ed25519' | 'rsa';
export const KEY_TYPES: readonly KeyType[] = ['hmac', 'ed25519', 'rsa'];

/** Permission names accepted by `--key-permissions` (comma list), mapped to apiRestrictions flags. */
export const PERMISSION_FLAGS: Record<string, keyof KeyPermissions> = {
  read: 'enableReading',
  trade: 'enableSpotAndMarginTrading',
  withdraw: 'enableWithdrawals',
  'internal-transfer': 'enableInternalTransfer',
  margin: 'enableMargin',
  futures: 'enableFutures',
  transfer: 'permitsUniversalTransfer',
  options: 'enableVanillaOptions',
  'portfolio-margin': 'enablePortfolioMarginTrading',
  fix: 'enableFixApiTrade',
};

export interface SandboxKey {
  type: KeyType;
  apiKey: string;
  /** HMAC secret, or the private key PEM (PKCS#8) for Ed25519/RSA. */
  apiSecret: string;
  /** Ed25519/RSA: the public key the server verifies with. */
  publicKey?: KeyObject;
  permissions: KeyPermissions;
  createTime: number;
  /** Paths of the PEM files when written. */
  keyFiles?: { privateKey: string; publicKey: string };
}

const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function alnum(n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  for (let i = 0; i < n; i++) out += ALNUM[(bytes[i] as number) % ALNUM.length];
  return out;
}

export function parsePermissions(list: readonly string[]): KeyPermissions {
  const perms: KeyPermissions = {
    enableReading: true,
    enableSpotAndMarginTrading: false,
    enableWithdrawals: false,
    enableInternalTransfer: false,
    enableMargin: false,
    enableFutures: false,
    permitsUniversalTransfer: false,
    enableVanillaOptions: false,
    enablePortfolioMarginTrading: false,
    enableFixApiTrade: false,
  };
  for (const name of list) {
    const flag = PERMISSION_FLAGS[name];
    if (flag) perms[flag] = true;
  }
  return perms;
}

/** Creates a fresh key (never deterministic: credentials are not test data). */
export function createKey(type: KeyType, permissions: KeyPermissions, writeKeyFiles: boolean): SandboxKey {
  const apiKey = alnum(64);
  const createTime = Date.now();
  if (type === 'hmac') return { type, apiKey, apiSecret: alnum(64), permissions, createTime };
  const pair =
    type === 'ed25519'
      ? generateKeyPairSync('ed25519')
      : generateKeyPairSync('rsa', { modulusLength: 2048, publicExponent: 0x10001 });
  const privatePem = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const publicPem = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const key: SandboxKey = {
    type,
    apiKey,
    apiSecret: privatePem,
    publicKey: pair.publicKey,
    permissions,
    createTime,
  };
  if (writeKeyFiles) {
    const dir = mkdtempSync(join(tmpdir(), 'ledgertap-sandbox-key-'));
    const privateKey = join(dir, `${type}-private.pem`);
    const publicKey = join(dir, `${type}-public.pem`);
    writeFileSync(privateKey, privatePem, { mode: 0o600 });
    writeFileSync(publicKey, publicPem, { mode: 0o600 });
    key.keyFiles = { privateKey, publicKey };
  }
  return key;
}
