import { generateKeyPairSync } from 'node:crypto';
import { chmod, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { describeCredentials, loadCredentials } from '../../../connectors/index.js';
import { useTempDirs } from '../../helpers/tmp.js';

const tmp = useTempDirs('ledgertap-creds-');
const SECRET = 'S3cr3tS3cr3tS3cr3tS3cr3tS3cr3tS3cr3t';

describe('loadCredentials', () => {
  it('reads an HMAC key from the environment and never shows the secret', () => {
    const c = loadCredentials({ env: { BINANCE_API_KEY: 'k'.repeat(64), BINANCE_API_SECRET: SECRET } });
    expect(c.keyType).toBe('hmac');
    expect(JSON.stringify(c)).not.toContain(SECRET);
    expect(inspect(c, { depth: 10 })).not.toContain(SECRET);
    expect(describeCredentials(c)).not.toContain('k'.repeat(64));
  });

  it('names the missing variable', () => {
    expect(() => loadCredentials({ env: {} })).toThrow(
      expect.objectContaining({ code: 'config.missing_api_key' }),
    );
    expect(() => loadCredentials({ env: { BINANCE_API_KEY: 'x' } })).toThrow(
      expect.objectContaining({ code: 'config.missing_api_secret' }),
    );
  });

  it('refuses a key file readable by group or others, saying chmod 600', async () => {
    const dir = await tmp();
    const file = join(dir, 'key.pem');
    const { privateKey } = generateKeyPairSync('ed25519');
    await writeFile(file, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    await chmod(file, 0o644);
    let error: unknown;
    try {
      loadCredentials({ env: { BINANCE_API_KEY: 'k' }, keyFile: file });
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'config.key_file_permissions' });
    expect(String((error as Error).message)).toContain(`chmod 600 ${file}`);
    await chmod(file, 0o600);
    const c = loadCredentials({ env: { BINANCE_API_KEY: 'k' }, keyFile: file });
    expect(c.keyType).toBe('ed25519');
  });

  it('reads an RSA key from BINANCE_PRIVATE_KEY_FILE and an HMAC secret from a plain file', async () => {
    const dir = await tmp();
    const rsa = join(dir, 'rsa.pem');
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    await writeFile(rsa, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    expect(loadCredentials({ env: { BINANCE_API_KEY: 'k', BINANCE_PRIVATE_KEY_FILE: rsa } }).keyType).toBe(
      'rsa',
    );
    const secretFile = join(dir, 'secret');
    await writeFile(secretFile, `${SECRET}\n`, { mode: 0o600 });
    const c = loadCredentials({ env: { BINANCE_API_KEY: 'k' }, keyFile: secretFile });
    expect(c.keyType).toBe('hmac');
    expect(c.signer.signForUrl('a=1')).toMatch(/^[0-9a-f]{64}$/);
  });

  it('refuses a malformed PEM, a non-Binance key type and an empty file', async () => {
    const dir = await tmp();
    const bad = join(dir, 'bad.pem');
    await writeFile(bad, '-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n', {
      mode: 0o600,
    });
    expect(() => loadCredentials({ env: { BINANCE_API_KEY: 'k' }, keyFile: bad })).toThrow(
      expect.objectContaining({ code: 'config.key_file_invalid' }),
    );
    const ec = join(dir, 'ec.pem');
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    await writeFile(ec, privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600 });
    expect(() => loadCredentials({ env: { BINANCE_API_KEY: 'k' }, keyFile: ec })).toThrow(
      expect.objectContaining({ code: 'config.key_type' }),
    );
    const empty = join(dir, 'empty');
    await writeFile(empty, '  \n', { mode: 0o600 });
    expect(() => loadCredentials({ env: { BINANCE_API_KEY: 'k' }, keyFile: empty })).toThrow(
      expect.objectContaining({ code: 'config.key_file_empty' }),
    );
    expect(() => loadCredentials({ env: { BINANCE_API_KEY: 'k' }, keyFile: join(dir, 'nope') })).toThrow(
      expect.objectContaining({ code: 'input.not_found' }),
    );
  });
});
