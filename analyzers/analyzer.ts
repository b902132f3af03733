/**
 * The shape of one analyzer (DESIGN.md convention 4): a pure function from a context to an accumulator
 * that observes entries one at a time with bounded state and finishes into findings. No fs, net or clock:
 * everything it needs arrives as an Observation or through FinishInput.
 */
import type { AnalyzeContext } from './context.js';
import type { Observation } from './observe.js';
import type { EchoLookup, ResolvedPath } from './paths.js';
import type { AnalysisResult, AnalysisWarning, Evidence, OperationModel } from './types.js';
import type { HarValueRelation } from '../har/index.js';

/** Where an observation belongs: its trie node and the operation key before templating. */
export interface RouteRef {
  node: number;
  /** `node method rpcName`: accumulators key their state by this; finish maps it to an operation id. */
  key: string;
}

export interface FinishInput {
  /** Operation id of a route key (after sibling templating merged keys). */
  operationOf(key: string): string | undefined;
  resolvePath(node: number): ResolvedPath;
  echo: EchoLookup;
  /** The operations, once the endpoints analyzer finished (analyzers after it in the registry see them). */
  operations: OperationModel[];
  /** Relations recorded by capture (`log._ledgertap.relations`), per capture. */
  relations: { capture: number; relation: HarValueRelation }[];
  warn(warning: AnalysisWarning): void;
  /** The endpoints analyzer binds each route key to its operation id here. */
  bindOperation(key: string, operationId: string): void;
}

export interface AnalyzerRun {
  observe(obs: Observation, route: RouteRef | undefined): void;
  /** Returns its part of the result. */
  finish(input: FinishInput): Partial<AnalysisResult>;
}

export interface Analyzer {
  name: string;
  /** One line for `--help` and docs. */
  description: string;
  create(ctx: AnalyzeContext): AnalyzerRun;
}

/** Evidence helper: the pointer to a header, cookie, query parameter or body in a HAR entry. */
export function evidenceAt(
  obs: { capture: number; index: number },
  pointer: string,
  bodyPointer?: string,
): Evidence {
  const e: Evidence = { capture: obs.capture, entry: obs.index, pointer };
  if (bodyPointer !== undefined) e.bodyPointer = bodyPointer;
  return e;
}

/** Adds to a bounded evidence list: keeps the first `cap` (first issuance and first uses matter most). */
export function pushEvidence(list: Evidence[], e: Evidence, cap = 5): void {
  if (list.length < cap) list.push(e);
}
