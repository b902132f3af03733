/**
 * Time windows of the history endpoints (CONTRACT.md 6.5): defaults when times are absent, the maximum
 * span, and the error a too-wide window gets.
 */
import { Errors, type ApiFailure } from './errors.js';
import type { Params } from './params.js';

export const HOUR = 3_600_000;
export const DAY = 86_400_000;

export interface WindowRule {
  startName?: string;
  endName?: string;
  /** Maximum span in ms. */
  maxMs: number;
  /** True when the span must be strictly less than maxMs ("< 90 days"); else at most maxMs. */
  strict?: boolean;
  /** Span when neither bound is sent (ending now). */
  defaultMs: number;
  /** The error for a too-wide window. */
  tooWide: () => ApiFailure;
  /** When both bounds are required. */
  required?: boolean;
}

/** Resolves [start, end] (inclusive) from the request. */
export function resolveWindow(params: Params, now: number, rule: WindowRule): [number, number] {
  const startName = rule.startName ?? 'startTime';
  const endName = rule.endName ?? 'endTime';
  const start = params.long(startName, rule.required);
  const end = params.long(endName, rule.required);
  const span = rule.strict ? rule.maxMs - 1 : rule.maxMs;
  if (start !== undefined && end !== undefined) {
    if (start > end) throw Errors.invalidParam(startName);
    if (end - start > span) throw rule.tooWide();
    return [start, end];
  }
  if (start !== undefined) return [start, start + span];
  if (end !== undefined) return [end - span, end];
  return [now - rule.defaultMs, now];
}

/** Rows of one page (`current` from 1). */
export function page<T>(rows: readonly T[], current: number, size: number): T[] {
  return rows.slice((current - 1) * size, current * size);
}
