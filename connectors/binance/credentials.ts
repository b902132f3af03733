/**
 * Where keys come from: the environment (`BINANCE_API_KEY` with `BINANCE_API_SECRET` for HMAC) or a
 * private key file (Ed25519 or RSA PKCS#8 PEM, or a file holding the HMAC secret) readable by its owner
 * only. Never from argv (a flag would land in shell history and `ps`). The secret never leaves the Signer.
 */
import { createPrivateKey } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { ConfigError, fileError, maskSecret } from '../../core/index.js';
import { asymmetricSigner, hmacSigner } from './signing.js';
import type { KeyType, Signer } from './signing.js';

/** An API key and the signer for its secret. `apiKey` is not a secret in Binance's model but is still masked in output. */
export interface Credentials {
  readonly apiKey: string;
  readonly signer: Signer;
  readonly keyType: KeyType;
  /** Where they came from, for messages: `environment` or the key file's path. */
  readonly origin: string;
}

export interface LoadCredentialsOptions {
  env: NodeJS.ProcessEnv;
  /** A private key (PEM) or HMAC secret file; else `BINANCE_PRIVATE_KEY_FILE`, else `BINANCE_API_SECRET`. */
  keyFile?: string;
}

/** The owner-only check: a key file that the group or others can read is refused (like ssh does). */
export function assertOwnerOnly(path: string): void {
  let mode: number;
  try {
    mode = statSync(path).mode;
  } catch (error) {
    throw fileError(path, error) ?? error;
  }
  if (process.platform !== 'win32' && (mode & 0o077) !== 0) {
    throw new ConfigError(
      'key_file_permissions',
      `${path}: the key file is readable by others (mode ${(mode & 0o777).toString(8)}).`,
      { hint: `Run \`chmod 600 ${path}\` so only you can read it, then run again.` },
    );
  }
}

function fromKeyFile(apiKey: string, path: string, passphrase: string | undefined): Credentials {
  assertOwnerOnly(path);
  let content: string;
  try {
    content = readFileSync(path, 'utf8');
  } catch (error) {
    throw fileError(path, error) ?? error;
  }
  if (content.includes('-----BEGIN')) {
    let key;
    try {
      key = createPrivateKey(passphrase ? { key: content, passphrase } : { key: content });
    } catch (error) {
      throw new ConfigError('key_file_invalid', `${path}: not a readable PKCS#8 private key.`, {
        hint: 'Export the Ed25519 or RSA key you registered with Binance as PKCS#8 PEM (set BINANCE_PRIVATE_KEY_PASSPHRASE if it is encrypted).',
        cause: error,
      });
    }
    if (key.asymmetricKeyType !== 'ed25519' && key.asymmetricKeyType !== 'rsa') {
      throw new ConfigError(
        'key_type',
        `${path}: a ${String(key.asymmetricKeyType)} key; Binance takes Ed25519, RSA or HMAC keys.`,
        { hint: 'Use the Ed25519 or RSA key you registered with Binance.' },
      );
    }
    const signer = asymmetricSigner(key);
    return { apiKey, signer, keyType: signer.keyType, origin: path };
  }
  const secret = content.trim();
  if (!secret)
    throw new ConfigError('key_file_empty', `${path}: the key file is empty.`, {
      hint: 'Put the API secret in it.',
    });
  return { apiKey, signer: hmacSigner(secret), keyType: 'hmac', origin: path };
}

/** Reads credentials from the environment or a key file; throws a ConfigError naming what is missing. */
export function loadCredentials(options: LoadCredentialsOptions): Credentials {
  const { env } = options;
  const apiKey = env['BINANCE_API_KEY']?.trim();
  if (!apiKey) {
    throw new ConfigError('missing_api_key', 'binance: BINANCE_API_KEY is not set.', {
      hint: 'Export BINANCE_API_KEY (and BINANCE_API_SECRET, or BINANCE_PRIVATE_KEY_FILE for an Ed25519/RSA key). Keys are never taken from the command line.',
    });
  }
  const keyFile = options.keyFile ?? env['BINANCE_PRIVATE_KEY_FILE'];
  if (keyFile) return fromKeyFile(apiKey, keyFile, env['BINANCE_PRIVATE_KEY_PASSPHRASE']);
  const secret = env['BINANCE_API_SECRET'];
  if (!secret) {
    throw new ConfigError('missing_api_secret', 'binance: BINANCE_API_SECRET is not set.', {
      hint: 'Export BINANCE_API_SECRET for an HMAC key, or BINANCE_PRIVATE_KEY_FILE for an Ed25519/RSA key.',
    });
  }
  return { apiKey, signer: hmacSigner(secret), keyType: 'hmac', origin: 'environment' };
}

/** For messages: the key recognisable, never usable. */
export function describeCredentials(credentials: Credentials): string {
  return `${credentials.keyType} key ${maskSecret(credentials.apiKey)} from ${credentials.origin}`;
}
