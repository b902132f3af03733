/**
 * Read or write, by method, name, body and effect. Writes are unsafe to replay: replay sends them only
 * when the user names the call and confirms (product convention: read-only by design).
 */
import type { ClassificationModel, RpcModel } from './types.js';

const READ_WORDS =
  /(^|[^a-z])(get|list|query|search|find|fetch|read|load|view|show|lookup|check|count|history|records?|detail|details|info|status|preview|estimate|quote|price|prices|ticker|kline|depth|config|settings|balance|balances|summary|snapshot|export|download|report|stats?)([^a-z]|$)/i;
const WRITE_WORDS =
  /(^|[^a-z])(create|add|new|update|edit|modify|patch|set|save|delete|remove|cancel|close|place|order|buy|sell|trade|transfer|withdraw|withdrawal|deposit|redeem|subscribe|purchase|pay|send|submit|apply|enable|disable|bind|unbind|reset|change|upload|confirm|approve|revoke|register|convert|swap|stake|unstake|lock|unlock)([^a-z]|$)/i;
const SESSION_WORDS =
  /(^|[^a-z])(login|logout|signin|signout|sign-in|sign-out|auth|token|refresh|session|csrf|oauth|sso|verify|mfa|2fa|captcha)([^a-z]|$)/i;

/**
 * Verbs that make a segment a change even when a read word follows (`cancel-order-list`). Nouns that
 * also name changes elsewhere (order, trade, deposit, transfer) are not here: in `order-list-archived`
 * or `deposit-history` they name what is read.
 */
const WRITE_VERB_FIRST =
  /^(create|add|new|update|edit|modify|patch|set|save|delete|remove|cancel|close|place|buy|sell|pay|send|submit|apply|enable|disable|bind|unbind|reset|change|upload|confirm|approve|revoke|register|swap|stake|unstake|lock|unlock)$/;

/** Splits camelCase so the word lists match `getUserOrders` and `cancelOrder`. */
function words(text: string): string {
  return text.replace(/([a-z0-9])([A-Z])/g, '$1 $2').toLowerCase();
}

export interface ClassifyInput {
  method: string;
  pathTemplate: string;
  rpc?: RpcModel;
  /** Whether any sample carried a request body. */
  hasRequestBody: boolean;
}

export function classifyOperation(input: ClassifyInput): ClassificationModel {
  const method = input.method.toUpperCase();
  const path = words(input.pathTemplate.replace(/\{[^}]*\}/g, ''));
  const lastWord =
    path
      .split(/[/\s_.-]+/)
      .filter(Boolean)
      .pop() ?? '';
  if (input.rpc?.kind === 'graphql') {
    const write = input.rpc.detail === 'mutation';
    return {
      effect: write ? 'write' : 'read',
      unsafeToReplay: write,
      reason: `GraphQL ${input.rpc.detail ?? 'query'} ${input.rpc.name}`,
      confidence: 0.95,
    };
  }
  if (input.rpc) {
    const name = words(input.rpc.name);
    if (WRITE_WORDS.test(name) && !READ_WORDS.test(name.split(' ')[0] ?? '')) {
      return {
        effect: 'write',
        unsafeToReplay: true,
        reason: `RPC ${input.rpc.name} names a change`,
        confidence: 0.8,
      };
    }
    if (READ_WORDS.test(name)) {
      return {
        effect: 'read',
        unsafeToReplay: false,
        reason: `RPC ${input.rpc.name} names a read`,
        confidence: 0.8,
      };
    }
  }
  if (method === 'GET' || method === 'HEAD' || method === 'OPTIONS') {
    if (
      WRITE_WORDS.test(lastWord) &&
      /^(delete|remove|cancel|logout|signout|withdraw|transfer)$/.test(lastWord)
    ) {
      return {
        effect: 'write',
        unsafeToReplay: true,
        reason: `${method} to a path that names a change (${lastWord})`,
        confidence: 0.6,
      };
    }
    return { effect: 'read', unsafeToReplay: false, reason: `${method} is a safe method`, confidence: 0.9 };
  }
  if (method === 'DELETE' || method === 'PUT' || method === 'PATCH') {
    return { effect: 'write', unsafeToReplay: true, reason: `${method} changes state`, confidence: 0.95 };
  }
  // POST and anything else: decide by the words of the path, the last segment first.
  if (SESSION_WORDS.test(path)) {
    return {
      effect: 'write',
      unsafeToReplay: true,
      reason: 'a session call (login, token, refresh): replayed only inside a session flow',
      confidence: 0.7,
    };
  }
  // The last segment as a phrase: `order-list-archived-involved`, `get-user-trades`, `query-trade-history`.
  const lastSegment =
    words(input.pathTemplate.replace(/\{[^}]*\}/g, ''))
      .split('/')
      .filter((s) => s.trim() !== '')
      .pop() ?? '';
  const segmentWords = lastSegment.split(/[\s_.-]+/).filter(Boolean);
  if (WRITE_VERB_FIRST.test(segmentWords[0] ?? '')) {
    return {
      effect: 'write',
      unsafeToReplay: true,
      reason: `POST whose last path segment starts with a change (${lastSegment.trim()})`,
      confidence: 0.85,
    };
  }
  if (segmentWords.some((w) => READ_WORDS.test(w))) {
    return {
      effect: 'read',
      unsafeToReplay: false,
      reason: `POST whose last path segment names a read (${lastSegment.trim()})`,
      confidence: 0.7,
    };
  }
  if (READ_WORDS.test(lastWord) && !WRITE_WORDS.test(lastWord)) {
    return {
      effect: 'read',
      unsafeToReplay: false,
      reason: `POST whose path names a read (${lastWord})`,
      confidence: 0.7,
    };
  }
  if (WRITE_WORDS.test(path)) {
    return {
      effect: 'write',
      unsafeToReplay: true,
      reason: 'POST whose path names a change',
      confidence: 0.85,
    };
  }
  if (READ_WORDS.test(path)) {
    return { effect: 'read', unsafeToReplay: false, reason: 'POST whose path names a read', confidence: 0.6 };
  }
  return {
    effect: 'write',
    unsafeToReplay: true,
    reason: `${method} without read vocabulary: assumed to change state`,
    confidence: 0.5,
  };
}

const VOCAB_SKIP =
  /^(api|apis|rest|rpc|v\d+(\.\d+)*|bapi|sapi|fapi|dapi|eapi|papi|wapi|public|private|friendly|gateway|app|web|mobile|internal|open)$/i;

/** The surface of an operation: its guide step when recorded, else the path's first meaningful words. */
export function surfaceOf(pathTemplate: string, steps: readonly string[]): string {
  if (steps.length > 0) return steps[0] as string;
  const words = pathTemplate
    .split('/')
    // A key predicate's set is the word: `Products({productId})` is the Products surface.
    .map((s) => (s.endsWith(')') && s.includes('({') ? s.slice(0, s.indexOf('(')) : s))
    .filter((s) => s && !s.startsWith('{') && !VOCAB_SKIP.test(s))
    .slice(0, 2);
  return words.length > 0 ? words.join('/') : '/';
}
