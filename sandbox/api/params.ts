/**
 * Request parameters: the query string and a form body merged (the query wins, CONTRACT.md 1), with the
 * exchange's validation errors: -1100 illegal characters, -1101 duplicates, -1102 mandatory, -1104
 * unread (unknown) parameters on /api, -1105 empty, -1130 invalid values.
 */
import { Errors } from './errors.js';

const LONG = /^[0-9]{1,20}$/;
const LONG_RANGE = '^[0-9]{1,20}$';
// Symbols may be non-ASCII since 2025-12 (CONTRACT §1: the testnet lists `这是测试币456`).
const SYMBOL = /^[\p{Lu}\p{Lo}\p{Nd}\-_.]{1,20}$/u;
const SYMBOL_RANGE = '^[\\p{Lu}\\p{Lo}\\p{Nd}\\-_.]{1,20}$';
/** Parameters every signed request may carry beside its own. */
export const SIGNING_PARAMS = ['timestamp', 'recvWindow', 'signature'];

export class Params {
  private readonly read = new Set<string>();

  private constructor(private readonly values: Map<string, string>) {}

  /** Parses `rawQuery` and a form `rawBody`; throws -1101 for a parameter repeated within one of them. */
  static parse(rawQuery: string, rawBody: string): Params {
    const values = new Map<string, string>();
    const fromBody = new URLSearchParams(rawBody);
    const fromQuery = new URLSearchParams(rawQuery);
    for (const source of [fromQuery, fromBody]) {
      const seen = new Set<string>();
      for (const [k, v] of source) {
        if (seen.has(k)) throw Errors.duplicateParam();
        seen.add(k);
        // The query string wins over the body.
        if (!values.has(k)) values.set(k, v);
      }
    }
    return new Params(values);
  }

  names(): string[] {
    return [...this.values.keys()];
  }

  has(name: string): boolean {
    return this.values.has(name);
  }

  /** The raw value; marks it read. -1105 when present but empty. */
  str(name: string, required = false): string | undefined {
    this.read.add(name);
    const v = this.values.get(name);
    if (v === undefined) {
      if (required) throw Errors.mandatory(name);
      return undefined;
    }
    if (v === '') throw required ? Errors.mandatory(name) : Errors.empty(name);
    return v;
  }

  /** A non-negative integer (ids, times, limits). */
  long(name: string, required = false): number | undefined {
    const v = this.str(name, required);
    if (v === undefined) return undefined;
    if (!LONG.test(v)) throw Errors.illegalChars(name, LONG_RANGE);
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw Errors.invalidParam(name);
    return n;
  }

  /** A page size or limit: default when absent, 1..max else -1130. */
  limit(name: string, def: number, max: number, min = 1): number {
    const v = this.long(name);
    if (v === undefined) return def;
    if (v < min || v > max) throw Errors.invalidParam(name);
    return v;
  }

  bool(name: string): boolean | undefined {
    const v = this.str(name);
    if (v === undefined) return undefined;
    if (v !== 'true' && v !== 'false' && v !== 'TRUE' && v !== 'FALSE') throw Errors.invalidParam(name);
    return v.toLowerCase() === 'true';
  }

  oneOf<T extends string>(name: string, allowed: readonly T[], required = false): T | undefined {
    const v = this.str(name, required);
    if (v === undefined) return undefined;
    if (!(allowed as readonly string[]).includes(v)) throw Errors.invalidParam(name);
    return v as T;
  }

  symbol(name: string, required = false): string | undefined {
    const v = this.str(name, required);
    if (v === undefined) return undefined;
    if (!SYMBOL.test(v)) throw Errors.illegalChars(name, SYMBOL_RANGE);
    return v;
  }

  /** /api only: every sent parameter must have been read (-1104). */
  assertAllRead(): void {
    for (const k of SIGNING_PARAMS) this.read.add(k);
    const sent = this.values.size;
    const unread = [...this.values.keys()].filter((k) => !this.read.has(k));
    if (unread.length > 0) throw Errors.unread(sent - unread.length, sent);
  }
}
