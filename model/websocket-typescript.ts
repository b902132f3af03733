/**
 * TypeScript types of WebSocket messages for `analyze --types`: one type per message kind
 * (`WsStreamReceiveTrade`), the discriminator pinned to its value (`e: "trade"`) so the per-direction
 * union (`WsStreamReceiveMessage`) narrows on it.
 */
import { pascal } from './pascal-case.js';
import type { ProtocolModel, ProtocolWebSocketMessageKind } from './types.js';

type Json = { [key: string]: unknown };

/** Emits one type from a JSON Schema and returns the name it got (unique in the file). */
export type EmitType = (name: string, schema: Json, comment: string) => Promise<string>;

/**
 * Captured text inside a `/** … *\/` comment: a `*\/` in a URL path (`wss://host/a*\/b`, legal) would
 * end the comment and leave the rest as code that does not compile; line breaks would start lines.
 */
function commentText(text: string): string {
  return text.replace(/\*\//g, '* /').replace(/[\r\n\u2028\u2029]+/g, ' ');
}

/** The schema with the discriminator's property set to its constant value. */
function pinned(kind: ProtocolWebSocketMessageKind): Json {
  const schema = structuredClone(kind.schema) as Json;
  const d = kind.discriminator;
  if (!d || kind.by !== 'field') return schema;
  const path = d.pointer
    .split('/')
    .slice(1)
    .map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  let node: Json | undefined = schema;
  for (let i = 0; i < path.length && node; i++) {
    const props = node.properties as Record<string, Json> | undefined;
    const key = path[i] as string;
    if (!props || !props[key]) return schema;
    if (i === path.length - 1) props[key] = { type: 'string', const: d.value };
    else node = props[key];
  }
  return schema;
}

/**
 * Emits the message types of every WebSocket endpoint; returns the union declarations to append. Each
 * union's name is claimed before its kinds' types, so a kind named `message` (or one with no name)
 * becomes `…ReceiveMessage_2`, not a second `…ReceiveMessage`.
 */
export async function emitWebSocketTypes(
  model: ProtocolModel,
  emit: EmitType,
  claim: (name: string) => string,
): Promise<string[]> {
  const unions: string[] = [];
  for (const w of model.websockets ?? []) {
    for (const dir of ['send', 'receive'] as const) {
      const names: string[] = [];
      const kinds = w.kinds.filter(
        (k) => k.direction === dir && k.framing !== 'text' && Object.keys(k.schema).length > 0,
      );
      const union = kinds.length > 1 ? claim(`${pascal(w.id)}${pascal(dir)}Message`) : undefined;
      for (const k of kinds) {
        const name = await emit(
          `${pascal(w.id)}${pascal(dir)}${pascal(k.name) || 'Message'}`,
          pinned(k),
          `WebSocket ${dir === 'send' ? 'message sent to' : 'message received from'} ${w.origin}${w.pathTemplate}: ${k.name} (${k.role}${k.discriminator ? `, ${k.discriminator.pointer} = ${k.discriminator.value}` : ''}), merged over ${k.messages} message(s).`,
        );
        names.push(name);
      }
      if (union)
        unions.push(
          `/** Every message ${dir === 'send' ? 'sent to' : 'received from'} ${commentText(`${w.origin}${w.pathTemplate}`)}. */\nexport type ${union} = ${names.join(' | ')};`,
        );
    }
  }
  return unions;
}
