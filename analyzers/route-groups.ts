/**
 * At finish, route keys that templating made one (`/users/alice`, `/users/bob` → `/users/{user}`) become
 * one group with one id. Shared by the HTTP endpoints and the WebSocket endpoints.
 */
import type { FinishInput } from './analyzer.js';
import type { ResolvedPath } from './paths.js';

export interface RouteGroup<S> {
  /** The first state of the group; the others were merged into it. */
  state: S;
  keys: string[];
  template: ResolvedPath;
}

/** Groups per-key states by `groupKey`, merging each later state into the first of its group. */
export function groupRoutes<S extends { node: number }>(
  states: Map<string, S>,
  input: FinishInput,
  groupKey: (state: S, template: ResolvedPath) => string,
  merge: (into: S, from: S) => void,
): RouteGroup<S>[] {
  const groups = new Map<string, RouteGroup<S>>();
  for (const [key, s] of states) {
    const template = input.resolvePath(s.node);
    const gk = groupKey(s, template);
    const g = groups.get(gk);
    if (!g) groups.set(gk, { state: s, keys: [key], template });
    else {
      g.keys.push(key);
      merge(g.state, s);
    }
  }
  return [...groups.values()];
}

/**
 * Makes ids unique within one analyzer's finish (the second `get_x` becomes `get_x_2`) and binds the
 * group's route keys to the id, so later analyzers can name the operation.
 */
export function idBinder(input: FinishInput): (base: string, keys: readonly string[]) => string {
  const used = new Map<string, number>();
  return (base, keys) => {
    const n = used.get(base) ?? 0;
    used.set(base, n + 1);
    const id = n > 0 ? `${base}_${n + 1}` : base;
    for (const k of keys) input.bindOperation(k, id);
    return id;
  };
}
