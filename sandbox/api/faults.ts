/**
 * Fault injection for the signed API (`--faults SPEC`). Grammar, comma-separated items:
 *
 *   KIND:P            fire with probability P (0..1) on each API request
 *   KIND@request=N    fire on the N-th API request (1-based); `N-M` for a range of requests
 *   KIND@every=N      fire on every N-th API request
 *   latency:MIN-MAX   add a uniform delay of MIN..MAX ms to every API request (`latency:MS` for a fixed one)
 *
 * KIND is one of: `429` (a rate-limit rejection, which counts toward the 418 ban escalation like a real
 * one), `418` (an IP ban of the current escalation length), `403` (a WAF HTML page), `5xx` (one of 500,
 * 502, 503, 504) or a specific `500`/`502`/`503`/`504`, `reset` (the connection is destroyed), `truncate`
 * (the body is cut mid-way while Content-Length promises all of it).
 * Example: `429:0.05,5xx:0.02,reset:0.01,latency:20-200,418@request=500,403:0.01,truncate:0.01`.
 * Faults draw from a PRNG seeded by the sandbox seed, so a run is reproducible.
 */
import { UsageError } from '../../core/index.js';
import { Prng } from '../data/prng.js';

export type FaultKind = '429' | '418' | '403' | '500' | '502' | '503' | '504' | '5xx' | 'reset' | 'truncate';
const KINDS: readonly FaultKind[] = [
  '429',
  '418',
  '403',
  '500',
  '502',
  '503',
  '504',
  '5xx',
  'reset',
  'truncate',
];

export interface FaultRule {
  kind: FaultKind;
  probability?: number;
  /** Inclusive request-number range. */
  requests?: [number, number];
  every?: number;
}

export interface FaultSpec {
  rules: FaultRule[];
  latency?: [number, number];
}

/** Parses `--faults`; throws a UsageError naming the bad item. */
export function parseFaults(text: string | undefined): FaultSpec {
  const spec: FaultSpec = { rules: [] };
  if (!text || text.trim() === '') return spec;
  for (const itemRaw of text.split(',')) {
    const item = itemRaw.trim();
    const fail = (why: string): never => {
      throw new UsageError('bad_faults', `--faults: item "${item}": ${why}.`, {
        hint: 'Use e.g. 429:0.05,5xx:0.02,reset:0.01,latency:20-200,418@request=500,403:0.01,truncate:0.01.',
      });
    };
    let m = /^latency:(\d+)(?:-(\d+))?$/.exec(item);
    if (m) {
      const lo = Number(m[1]);
      const hi = m[2] === undefined ? lo : Number(m[2]);
      if (hi < lo) fail('the range is reversed');
      spec.latency = [lo, hi];
      continue;
    }
    m = /^([a-z0-9]+):([0-9]*\.?[0-9]+)$/.exec(item);
    if (m) {
      const kind = m[1] as FaultKind;
      if (!KINDS.includes(kind)) fail(`unknown kind "${m[1]}"`);
      const p = Number(m[2]);
      if (!(p >= 0 && p <= 1)) fail('the probability must be between 0 and 1');
      spec.rules.push({ kind, probability: p });
      continue;
    }
    m = /^([a-z0-9]+)@(request|every)=(\d+)(?:-(\d+))?$/.exec(item);
    if (m) {
      const kind = m[1] as FaultKind;
      if (!KINDS.includes(kind)) fail(`unknown kind "${m[1]}"`);
      const a = Number(m[3]);
      if (a < 1) fail('request numbers start at 1');
      if (m[2] === 'every') {
        if (m[4] !== undefined) fail('every takes one number');
        spec.rules.push({ kind, every: a });
      } else {
        const b = m[4] === undefined ? a : Number(m[4]);
        if (b < a) fail('the range is reversed');
        spec.rules.push({ kind, requests: [a, b] });
      }
      continue;
    }
    fail('expected KIND:P, KIND@request=N, KIND@every=N or latency:MIN-MAX');
  }
  return spec;
}

/** Decides, per API request, which fault (if any) fires and how much latency to add. */
export class FaultInjector {
  private readonly rng: Prng;

  constructor(
    private readonly spec: FaultSpec,
    seed: number,
  ) {
    this.rng = new Prng(seed ^ 0x5eed);
  }

  latencyMs(): number {
    const l = this.spec.latency;
    if (!l) return 0;
    return l[0] + Math.floor(this.rng.next() * (l[1] - l[0] + 1));
  }

  /** The fault for the n-th API request (1-based), resolved to a concrete kind. */
  pick(n: number): Exclude<FaultKind, '5xx'> | undefined {
    for (const rule of this.spec.rules) {
      let fire = false;
      if (rule.requests) fire = n >= rule.requests[0] && n <= rule.requests[1];
      else if (rule.every) fire = n % rule.every === 0;
      else if (rule.probability !== undefined) fire = this.rng.next() < rule.probability;
      if (fire) return rule.kind === '5xx' ? this.rng.pick(['500', '502', '503', '504'] as const) : rule.kind;
    }
    return undefined;
  }
}
