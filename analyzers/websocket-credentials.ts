/** Credentials in WebSocket traffic (a listenKey in the path, a token in a sent message), for auth.ts. */
import type { Observation } from './observe.js';
import { isCredentialName } from './shapes.js';
import type { CredentialLocation } from './types.js';
import { isWebSocketObservation } from './websocket-frames.js';

/** A credential use in a WebSocket handshake or its sent messages, for the auth inventory. */
export interface WebSocketCredentialUse {
  location: CredentialLocation;
  name: string;
  value: string;
  pointer: string;
  bodyPointer?: string;
}

const NO_USES: readonly WebSocketCredentialUse[] = [];

/**
 * Credentials a WebSocket connection carries beyond headers, cookies and query (which the auth analyzer
 * reads for every entry): path segments whose value was issued earlier as a credential (Binance
 * `/ws/{listenKey}`), and credential-named or issued values in the first sent JSON messages
 * (`{"op":"auth","token":…}`). `issued` names a value issued earlier, or undefined.
 */
export function webSocketCredentialUses(
  obs: Observation,
  issued: (value: string) => string | undefined,
): readonly WebSocketCredentialUse[] {
  if (!isWebSocketObservation(obs)) return NO_USES;
  const out: WebSocketCredentialUse[] = [];
  for (const seg of obs.segments) {
    const name = seg.length >= 8 ? issued(seg) : undefined;
    if (name) out.push({ location: 'path', name, value: seg, pointer: '/request/url' });
  }
  const frames: unknown = obs.entry._webSocketMessages;
  if (!Array.isArray(frames)) return out;
  let scanned = 0;
  for (let i = 0; i < frames.length && scanned < 20; i++) {
    const f = frames[i] as { type?: unknown; opcode?: unknown; data?: unknown } | null;
    if (!f || f.type !== 'send' || typeof f.data !== 'string' || f.data.length > 65_536) continue;
    if (f.opcode !== undefined && f.opcode !== 1) continue;
    const text = f.data.trimStart();
    if (text[0] !== '{') continue;
    scanned++;
    let v: unknown;
    try {
      v = JSON.parse(text);
    } catch {
      continue;
    }
    const visit = (x: unknown, ptr: string, key: string, depth: number): void => {
      if (out.length >= 50 || depth > 5) return;
      if (typeof x === 'string') {
        if (x.length === 0) return;
        const name = isCredentialName(key) ? key : x.length >= 8 ? issued(x) : undefined;
        if (name)
          out.push({
            location: 'message',
            name,
            value: x,
            pointer: `/_webSocketMessages/${i}/data`,
            bodyPointer: ptr,
          });
        return;
      }
      if (Array.isArray(x)) {
        for (let j = 0; j < Math.min(x.length, 20); j++) visit(x[j], `${ptr}/${j}`, key, depth + 1);
        return;
      }
      if (x && typeof x === 'object')
        for (const k in x as Record<string, unknown>)
          visit(
            (x as Record<string, unknown>)[k],
            `${ptr}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`,
            k,
            depth + 1,
          );
    };
    visit(v, '', '', 0);
  }
  return out;
}
