/**
 * Stream and topic names of WebSocket traffic: templated (`btcusdt@trade` → `{symbol}@trade`) so one
 * kind or subscription stands for every symbol, pulled out of subscribe messages, and cut into tokens
 * for matching a subscription to what arrives by name.
 */
import { classifySegment, isCredentialName } from './shapes.js';

/** Fields of a subscribe message that are not topics: the verb, ids, times and signing parameters. */
const TOPIC_SKIP =
  /^(id|jsonrpc|method|op|type|event|action|e|cmd|command|reqid|req_id|requestid|timestamp|ts|nonce|recvwindow)$/i;

/**
 * A stream or topic name with its variable parts templated: `btcusdt@trade` → `{symbol}@trade`,
 * `market.BTC-USDT.kline.1min` → `market.{symbol}.kline.1min`, ids → `{id}`.
 */
export function templateTopic(name: string): string {
  const s = name.length > 120 ? name.slice(0, 120) : name;
  if (s.length <= 2) return s;
  let out = '';
  let token = '';
  const flush = (): void => {
    if (token.length > 0) {
      const cls = classifySegment(token);
      // Only clear variable parts: method names like `eth_getBalance` look opaque to the path rules.
      out +=
        cls === 'symbol'
          ? '{symbol}'
          : cls === 'int' && token.length > 3
            ? '{n}'
            : cls === 'uuid' || cls === 'ulid' || (cls === 'hex' && token.length >= 16)
              ? '{id}'
              : cls === 'opaque' && token.length >= 16 && /\d.*\d/.test(token)
                ? '{id}'
                : cls === 'date'
                  ? '{date}'
                  : token;
    }
    token = '';
  };
  for (const ch of s) {
    if (ch === '@' || ch === '.' || ch === ':' || ch === '/' || ch === '|' || ch === ',' || ch === ' ') {
      flush();
      out += ch;
    } else token += ch;
  }
  flush();
  return out;
}

/** Topic strings of a subscribe message: its string leaves except the verb, id and credentials. */
export function topicsOf(value: unknown, depth = 0, out: string[] = [], key = ''): string[] {
  if (out.length >= 20 || depth > 4) return out;
  if (typeof value === 'string') {
    if (value.length > 0 && value.length <= 120 && !TOPIC_SKIP.test(key) && !isCredentialName(key))
      out.push(value);
    return out;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < Math.min(value.length, 50); i++) topicsOf(value[i], depth + 1, out, key);
    return out;
  }
  if (value && typeof value === 'object') {
    for (const k in value as Record<string, unknown>) {
      if (TOPIC_SKIP.test(k) || isCredentialName(k)) continue;
      topicsOf((value as Record<string, unknown>)[k], depth + 1, out, k);
      if (out.length >= 20) break;
    }
  }
  return out;
}

/** Lower-case tokens of four letters or more, for matching kind names against topics by name. */
export function tokensOf(topics: Iterable<string>): string[] {
  const out = new Set<string>();
  for (const t of topics)
    for (const p of t.toLowerCase().split(/[@.:/|,\s_-]+/)) if (p.length >= 4) out.add(p);
  return [...out].slice(0, 50);
}
