/**
 * The capture CA for proxy capture: created on first use under the user's config directory
 * ($LEDGERTAP_CONFIG_DIR, else $XDG_CONFIG_HOME/ledgertap, else ~/.config/ledgertap), in `ca/`, with the
 * private key readable by its owner only. The phone trusts `ca.pem` (see `ledgertap capture ca`).
 */
import { chmod, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { fileReason } from './file-reason.js';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { generateCACertificate, generateSPKIFingerprint } from 'mockttp';
import { CaptureError } from '../core/index.js';

/** Where the CA lives and what it is. */
export interface CaptureCa {
  dir: string;
  certPath: string;
  keyPath: string;
  cert: string;
  key: string;
  /** True when this call created it. */
  created: boolean;
  /** base64 SHA-256 of the public key (what certificate pinning tools show). */
  spkiFingerprint: string;
}

/** The ledgertap config directory. */
export function captureConfigDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env['LEDGERTAP_CONFIG_DIR']) return env['LEDGERTAP_CONFIG_DIR'];
  const base = env['XDG_CONFIG_HOME'] || join(env['HOME'] || homedir(), '.config');
  return join(base, 'ledgertap');
}

/** The CA at `files` as returned to callers, with its public key's fingerprint. */
async function describeCa(
  files: Pick<CaptureCa, 'dir' | 'certPath' | 'keyPath'>,
  cert: string,
  key: string,
  created: boolean,
): Promise<CaptureCa> {
  return { ...files, cert, key, created, spkiFingerprint: await generateSPKIFingerprint(cert) };
}

/** Reading or creating the CA failed: `${dir}: cannot <action> the capture CA: <cause>.` (exit 2). */
function caError(code: string, dir: string, action: string, error: unknown, hint: string): CaptureError {
  return new CaptureError(code, `${dir}: cannot ${action} the capture CA: ${fileReason(error)}.`, {
    exitCode: 2,
    hint,
    cause: error,
  });
}

/** Loads the CA, creating it on first use. */
export async function ensureCa(
  env: NodeJS.ProcessEnv = process.env,
  options: { create?: boolean } = {},
): Promise<CaptureCa | undefined> {
  const dir = join(captureConfigDir(env), 'ca');
  const certPath = join(dir, 'ca.pem');
  const keyPath = join(dir, 'ca.key');
  const files = { dir, certPath, keyPath };
  try {
    const [cert, key] = await Promise.all([readFile(certPath, 'utf8'), readFile(keyPath, 'utf8')]);
    const mode = (await stat(keyPath)).mode & 0o777;
    if (mode & 0o077) {
      // Tightening is safe and what the holder wants: the key can intercept all their TLS traffic.
      await chmod(keyPath, 0o600);
    }
    return await describeCa(files, cert, key, false);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw caError(
        'ca_unreadable',
        dir,
        'read',
        error,
        'Fix the folder or its permissions, set LEDGERTAP_CONFIG_DIR to another folder, or remove this one to create a new CA (then re-install it on the phone).',
      );
    }
  }
  if (options.create === false) return undefined;
  try {
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const { key, cert } = await generateCACertificate({
      subject: {
        commonName: 'ledgertap capture CA',
        organizationName: 'ledgertap (local, this machine only)',
      },
      bits: 2048,
    });
    await writeFile(keyPath, key, { mode: 0o600 });
    await chmod(keyPath, 0o600);
    await writeFile(certPath, cert, { mode: 0o644 });
    return await describeCa(files, cert, key, true);
  } catch (error) {
    throw caError(
      'ca_create',
      dir,
      'create',
      error,
      'Check that the config directory is writable, or set LEDGERTAP_CONFIG_DIR.',
    );
  }
}

/** How to install the CA on a phone, for `ledgertap capture ca`. */
export function caInstructions(ca: CaptureCa, port = 8080): string {
  return `Capture CA: ${ca.certPath}
Private key: ${ca.keyPath} (owner-only; never share it)
SPKI SHA-256: ${ca.spkiFingerprint}

Point the phone's Wi-Fi proxy at this machine, port ${port} (Wi-Fi settings → the network → Proxy → Manual),
start \`ledgertap capture proxy --port ${port} --lan …\` (only this machine may use the proxy otherwise;
\`--allow-client PHONE-IP\` instead of \`--lan\` lets in the phone alone), then install the CA:

Android
  1. Copy ca.pem to the phone (or open http://mitm.it-style hosting: any way to get the file there).
  2. Settings → Security → Encryption & credentials → Install a certificate → CA certificate → pick the file.
  3. Android 7+ apps trust user CAs only if they opt in (network_security_config); many banking and exchange
     apps do not. For those, use an emulator image with the CA in the system store, or browser capture.

iOS / iPadOS
  1. AirDrop or mail ca.pem to the device, open it: Settings shows "Profile Downloaded"; install it.
  2. Settings → General → About → Certificate Trust Settings → enable full trust for "ledgertap capture CA".
  3. Apps that pin certificates will refuse the proxy; their traffic is not recorded.

Remove the CA from the phone when you are done capturing.`;
}
