/**
 * Lossless JSON. Binance sends ids beyond 2^53 as JSON numbers (convert `orderId` 940708407462087195);
 * `JSON.parse` silently rounds them. Here every number that a float64 cannot hold exactly comes back as
 * the string of its exact digits, so ids stay intact and amounts keep every digit (DESIGN.md convention 10).
 */
import { isSafeNumber, parse as losslessParse, stringify as losslessStringify } from 'lossless-json';

/** A JSON value after a lossless parse: unsafe numbers are strings of their exact digits. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

function parseNumber(text: string): number | string {
  // isSafeNumber is false for integers beyond 2^53 and for decimals with more digits than a double holds.
  return isSafeNumber(text) ? Number(text) : text;
}

/** Parses JSON text; numbers that a double cannot represent exactly become strings of their digits. */
export function parseJsonLossless(text: string): JsonValue {
  return losslessParse(text, null, parseNumber) as JsonValue;
}

/**
 * Serializes a value; bigint values are written as bare JSON numbers with every digit (what the sandbox
 * needs to send ids as large as the exchange does). Plain objects, arrays and primitives otherwise as JSON.stringify.
 */
export function stringifyJsonWithBigInt(value: unknown, indent?: number): string {
  const out = losslessStringify(value, undefined, indent);
  if (out === undefined) throw new TypeError('value cannot be serialized as JSON');
  return out;
}

/** `JSON.parse` that turns a syntax error into a message with line and column. */
export function parseJsonWithPosition(
  text: string,
): { ok: true; value: unknown } | { ok: false; message: string; line: number; column: number } {
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    const position = /position (\d+)/.exec(message);
    const offset = position ? Number(position[1]) : text.length;
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    return { ok: false, message, line, column };
  }
}

/**
 * `target[key] = value` as an own property, whatever the key: a captured body's `"__proto__"` key (an own
 * property after JSON.parse) assigned with `=` on a plain object would set its prototype instead, and the
 * field would vanish from the schema while staying in `required`.
 */
export function setOwn<T>(target: Record<string, T>, key: string, value: T): void {
  if (key === '__proto__')
    Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
  else target[key] = value;
}
