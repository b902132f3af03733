/**
 * What `--out-har` keeps of a replayed WebSocket connection: its frames in DevTools' `_webSocketMessages`
 * form (`{type, time, opcode, data}`, time in epoch seconds, binary as base64), bounded per connection,
 * with credentials masked as HTTP entries mask theirs: every secret value the connection used (a listenKey,
 * a cookie, an authorization) and every string under a credential-named field of a JSON message.
 */
import type { ReplayWebSocketFrame } from './types.js';

/** Field names whose string values are credentials (`token`, `apiKey`, `listenKey`, `signature`, …). */
const SECRET_FIELD =
  /^(.*token|.*secret|.*password|passwd|.*signature|sig|api_?key|.*listen_?key|auth|authorization|session(_?id)?|cookie)$/i;
const MASK = '***';

function maskValue(value: unknown, depth: number): unknown {
  if (depth > 8 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => maskValue(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>))
    out[k] = typeof v === 'string' && SECRET_FIELD.test(k) ? MASK : maskValue(v, depth + 1);
  return out;
}

/** `text` with every secret value the connection used (four characters or more) masked. */
export function maskSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const s of secrets) if (s.length >= 4) out = out.split(s).join(MASK);
  return out;
}

/**
 * A text frame with its credentials masked: known secret values replaced wherever they appear, and the
 * JSON part (a whole JSON message, or the payload after an engine.io/socket.io prefix such as
 * `42/ns,7`) re-serialized with credential-named fields masked.
 */
export function maskFrameText(text: string, secrets: readonly string[]): string {
  const out = maskSecrets(text, secrets);
  const start = out.search(/[[{]/);
  if (start < 0 || start > 40 || !/^[0-9]*(\/[^,]*,)?[0-9]*$/.test(out.slice(0, start))) return out;
  try {
    const value = JSON.parse(out.slice(start)) as unknown;
    const masked = JSON.stringify(maskValue(value, 0));
    return masked === JSON.stringify(value) ? out : `${out.slice(0, start)}${masked}`;
  } catch {
    return out;
  }
}

/** The frames of one connection, up to `limit`; later ones are counted in `dropped`. */
export class FrameLog {
  readonly frames: ReplayWebSocketFrame[] = [];
  dropped = 0;

  constructor(
    private readonly limit: number,
    private readonly secrets: readonly string[],
    private readonly nowMs: () => number,
  ) {}

  text(type: 'send' | 'receive', data: string): void {
    if (!this.room()) return;
    this.frames.push({ type, time: this.nowMs() / 1000, opcode: 1, data: maskFrameText(data, this.secrets) });
  }

  binary(type: 'send' | 'receive', data: Buffer): void {
    if (!this.room()) return;
    this.frames.push({ type, time: this.nowMs() / 1000, opcode: 2, data: data.toString('base64') });
  }

  control(type: 'send' | 'receive', opcode: 9 | 10): void {
    if (!this.room()) return;
    this.frames.push({ type, time: this.nowMs() / 1000, opcode, data: '' });
  }

  private room(): boolean {
    if (this.frames.length < this.limit) return true;
    this.dropped++;
    return false;
  }
}
