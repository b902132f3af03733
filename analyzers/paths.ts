/**
 * Path templating as a trie per origin. Segments with an id shape (integer, UUID, ULID, hex, date, email,
 * opaque token) go to a parameter child at once; plain words and trading symbols stay literal until the
 * end, when siblings are templated if the evidence supports it: enough distinct siblings with the same
 * sub-shape, or the value echoed as an id in some response. Versions and API vocabulary never become
 * parameters, and a literal (`/users/me`) stays apart from its parameterized siblings (`/users/{userId}`).
 * State is bounded: past `maxLiteralChildren` literals under one node, new ones go to a parameter child.
 */
import type { AnalyzeContext } from './context.js';
import { keyNames, keyPredicate, keyTemplate, type KeyPart } from './key-predicates.js';
import {
  ID_CLASSES,
  camelIdentifier,
  classifySegment as classifyShape,
  isCalendarDate,
  isLocale,
  singular,
  type SegmentClass,
} from './shapes.js';

/**
 * A server script or endpoint file named in words (`ServerService.svc`, `Default.aspx`, `GetUser.php`): the
 * extension's dot and the PascalCase humps make it look random to the opaque-id test, but a file name is a
 * route, never an id (Kofax TotalAgility's WCF `/Services/SDK/ServerService.svc/json/GetNavigationMenu2`).
 */
const FILE_NAME =
  /^([A-Za-z]+)\.(svc|asmx|aspx|ashx|axd|asp|php\d?|jsp|jspx|do|action|cgi|pl|py|rb|html?|xhtml|json|xml|js|css|txt)$/i;

/** True for `Name.ext` where the name is words only and `.ext` a server-file or document extension. */
export function isWordFileName(segment: string): boolean {
  const m = FILE_NAME.exec(segment);
  if (!m?.[1]) return false;
  // Every hump a word: starts a capital or lower run and holds a vowel (`ServerService`, `index`, `GetUser`).
  return m[1].split(/(?=[A-Z])/).every((w) => /^[A-Za-z][a-z]*$/.test(w) && /[aeiouy]/i.test(w));
}

/** The shape of a path segment, with word-named files kept literal. */
function classifySegment(segment: string): SegmentClass {
  return isWordFileName(segment) ? 'word' : classifyShape(segment);
}

export interface PathNode {
  id: number;
  /** The literal segment, or the parameter class. */
  segment: string;
  param?: SegmentClass | 'word';
  parent?: PathNode;
  literals: Map<string, PathNode>;
  params: Map<string, PathNode>;
  /** Entries that ended here. */
  hits: number;
  /** Entries that passed through (for sibling statistics). */
  through: number;
  /** Distinct values seen at a parameter node (bounded). */
  values: Set<string>;
  valuesOverflow: boolean;
  /** Why the node is a parameter, and how sure. */
  reason?: string;
  confidence?: number;
  /** Response shapes (top-level keys of 2xx JSON bodies) of entries ending here, bounded. */
  shapes: Set<string>;
  /** Set when this node was merged into another (templating at finish). */
  mergedInto?: PathNode;
  /** A key-predicate segment (`Products(1)`): its set, key forms and the values of each key (bounded). */
  keyed?: { set: string; keys: KeyPart[]; values: Set<string>[] };
  /**
   * The one calendar-date literal child kept while the capture is read: a date is a value once a second
   * one appears in the same place, and an API version (`/api/2023-10-01/items`) while it stays alone.
   */
  dateLiteral?: PathNode;
  /** A date literal settled as an API version at finish: kept like `v1`, never a parameter. */
  version?: boolean;
}

export interface ResolvedPath {
  /** `/users/{userId}/orders` */
  template: string;
  params: { name: string; class: string; reason: string; confidence: number; values: string[] }[];
  confidence: number;
}

/** Resolves echoed values (seen in some response as an id) to the field name they were seen under. */
export type EchoLookup = (value: string) => string | undefined;

export class PathTrie {
  private readonly roots = new Map<string, PathNode>();
  private readonly nodes: PathNode[] = [];
  /** Literal children that overflowed to a parameter (reported as a warning). */
  overflowed = 0;

  constructor(private readonly ctx: AnalyzeContext) {}

  private newNode(segment: string, parent: PathNode | undefined, param?: SegmentClass | 'word'): PathNode {
    const node: PathNode = {
      id: this.nodes.length,
      segment,
      parent,
      literals: new Map(),
      params: new Map(),
      hits: 0,
      through: 0,
      values: new Set(),
      valuesOverflow: false,
      shapes: new Set(),
    };
    if (param) node.param = param;
    this.nodes.push(node);
    return node;
  }

  /** Inserts one request path; returns the id of the node it ends at. */
  insert(origin: string, segments: readonly string[], shape?: string): number {
    let node = this.roots.get(origin);
    if (!node) {
      node = this.newNode('', undefined);
      this.roots.set(origin, node);
    }
    node.through++;
    for (const seg of segments) {
      // `Products(1)`: the set is a route, its key a parameter inside the segment.
      const pred = seg.charCodeAt(seg.length - 1) === 0x29 ? keyPredicate(seg) : undefined;
      if (pred) {
        let keyedNode: PathNode | undefined = node.literals.get(pred.pattern);
        if (!keyedNode) {
          keyedNode = this.newNode(pred.pattern, node);
          keyedNode.keyed = { set: pred.set, keys: pred.keys, values: pred.keys.map(() => new Set()) };
          node.literals.set(pred.pattern, keyedNode);
        }
        const sets = keyedNode.keyed!.values;
        pred.values.forEach((v, i) => {
          const values = sets[i];
          if (values && values.size < this.ctx.maxDistinctValues) values.add(v);
        });
        keyedNode.through++;
        node = keyedNode;
        continue;
      }
      const cls = classifySegment(seg);
      let next: PathNode | undefined;
      if (cls === 'date' && isCalendarDate(seg) && !node.params.has('date')) {
        next = this.dateChild(node, seg);
      } else if (ID_CLASSES.has(cls)) {
        next = node.params.get(cls);
        if (!next) {
          next = this.newNode(cls, node, cls);
          node.params.set(cls, next);
        }
      } else {
        next = node.literals.get(seg);
        if (!next) {
          if (node.literals.size >= this.ctx.maxLiteralChildren && cls !== 'reserved' && cls !== 'version') {
            this.overflowed++;
            next = node.params.get('word');
            if (!next) {
              next = this.newNode('word', node, 'word');
              next.reason = 'more distinct sibling segments than the analysis tracks';
              next.confidence = 0.7;
              node.params.set('word', next);
            }
          } else {
            next = this.newNode(seg, node);
            node.literals.set(seg, next);
          }
        }
      }
      if (next.param) this.addValue(next, seg);
      next.through++;
      node = next;
    }
    node.hits++;
    if (shape !== undefined && node.shapes.size < 4) node.shapes.add(shape);
    return node.id;
  }

  /**
   * A calendar date under `node`: the literal while it is the only date seen there, the `{date}` parameter
   * (the literal merged into it) once a second value shows the dates vary. At most one date literal per
   * node, so a capture of a year of daily reports holds one parameter, not 365 literals.
   */
  private dateChild(node: PathNode, seg: string): PathNode {
    const held = node.dateLiteral;
    if (held?.segment === seg) return held;
    if (held) return this.datesToParam(node, [held]);
    const literal = this.newNode(seg, node);
    node.literals.set(seg, literal);
    node.dateLiteral = literal;
    return literal;
  }

  /** Moves date literals of `node` into its `{date}` parameter child. */
  private datesToParam(node: PathNode, dates: PathNode[]): PathNode {
    let target = node.params.get('date');
    if (!target) {
      target = this.newNode('date', node, 'date');
      node.params.set('date', target);
    }
    for (const d of dates) {
      node.literals.delete(d.segment);
      this.addValue(target, d.segment);
      this.mergeInto(target, d);
    }
    delete node.dateLiteral;
    return target;
  }

  /**
   * Settles the date literals under `node` (call before templating its children): one date before the
   * routes of the API, with nothing but literals above it, is a version (`/api/2023-10-01/items`, Azure and
   * Stripe style); a date at the end of a path, under an id, or beside other dates is a `{date}` value.
   */
  private settleDates(node: PathNode): void {
    let dates: PathNode[] | undefined;
    for (const [seg, child] of node.literals)
      if (!child.keyed && isCalendarDate(seg)) (dates ??= []).push(child);
    if (!dates) return;
    const only = dates.length === 1 && !node.params.has('date') ? dates[0] : undefined;
    if (only && versionPosition(node, only)) {
      only.version = true;
      return;
    }
    for (const d of dates) delete d.version;
    this.datesToParam(node, dates);
  }

  private addValue(node: PathNode, value: string): void {
    if (node.valuesOverflow) return;
    node.values.add(value);
    if (node.values.size > this.ctx.maxDistinctValues) node.valuesOverflow = true;
  }

  /** Templates literal siblings where the evidence supports it (call once, after the last insert). */
  templateSiblings(echo: EchoLookup): void {
    for (const root of this.roots.values()) this.templateNode(root, echo);
  }

  private templateNode(node: PathNode, echo: EchoLookup, depth = 0): void {
    // Bottom-up: children first, so siblings compare by their already-templated sub-paths
    // (`/repos/octocat/{repo}` and `/repos/torvalds/{repo}` look alike only once `{repo}` exists).
    if (depth > 200) return;
    this.settleDates(node);
    for (const child of [...node.literals.values()]) this.templateNode(child, echo, depth + 1);
    for (const child of [...node.params.values()]) this.templateNode(child, echo, depth + 1);
    const candidates: PathNode[] = [];
    for (const [seg, child] of node.literals) {
      if (child.keyed) continue; // an entity set with its key is a route, never one value of a parameter
      const cls = classifySegment(seg);
      if (cls === 'word' || cls === 'symbol') candidates.push(child);
    }
    if (candidates.length === 0) return;
    const minSiblings = this.ctx.minSiblingsForWords;
    const echoed = candidates.filter((c) => echo(c.segment) !== undefined);
    const symbols = candidates.filter((c) => classifySegment(c.segment) === 'symbol');
    let chosen: PathNode[] = [];
    let reason = '';
    let confidence = 0;
    let cls: SegmentClass | 'word' | undefined;
    // Language tags (`/en-US/…`, `/de/…`) leading to alike sub-paths: the same pages in another language.
    // At any depth, the first segment too (where the sibling rule never applies).
    const locales = candidates.filter((c) => isLocale(c.segment));
    const localeGroup = locales.filter((c) => c === locales[0] || compatible(c, locales[0] as PathNode));
    if (localeGroup.length >= 2) {
      chosen = localeGroup;
      cls = 'locale';
      reason = `language tags as segments (${localeGroup
        .map((c) => c.segment)
        .slice(0, 5)
        .join(', ')}) leading to the same sub-paths`;
      confidence = Math.min(0.9, 0.6 + 0.1 * localeGroup.length);
    } else if (
      symbols.length >= 2 ||
      (symbols.length === 1 && echo(symbols[0]?.segment ?? '') !== undefined)
    ) {
      chosen = symbols;
      reason = `trading symbols as segments (${symbols.length} distinct)`;
      confidence = Math.min(0.95, 0.7 + 0.05 * symbols.length);
    } else if (echoed.length > 0 && echoed.length >= candidates.length / 2) {
      // Most candidate values were seen as an id in responses: a parameter even alone. Siblings that were
      // not echoed join when their sub-paths look alike.
      const first = echoed[0] as PathNode;
      chosen = candidates.filter((c) => echoed.includes(c) || compatible(c, first));
      // API vocabulary is lower case (`/user`, `/users/me`); a capitalised vocabulary word beside echoed
      // capitalised values is one more value (Salesforce `/sobjects/User/describe` beside `UserRole`).
      if (echoed.every((c) => /^[A-Z][a-z]/.test(c.segment)))
        for (const [seg, child] of node.literals)
          if (/^[A-Z][a-z]+$/.test(seg) && classifySegment(seg) === 'reserved' && compatible(child, first))
            chosen.push(child);
      reason = `values echoed as ${echo(first.segment) ?? 'an id'} in responses`;
      confidence = Math.min(0.95, 0.75 + 0.05 * echoed.length);
    } else if (
      candidates.length >= minSiblings &&
      node.parent &&
      classifySegment(node.segment) !== 'version' &&
      !node.version &&
      !node.param
    ) {
      // Optic's sibling rule, stricter: the siblings must lead to alike sub-paths and answer with alike
      // bodies, and none may be hit far more often than the rest (a constant route among parameters).
      let best: PathNode[] = [];
      for (const seed of candidates) {
        const group = candidates.filter((c) => c === seed || compatible(c, seed));
        if (group.length > best.length) best = group;
      }
      const total = best.reduce((sum, c) => sum + c.through, 0);
      const dominant = best.some((c) => c.through > total * 0.6);
      if (best.length >= minSiblings && !dominant) {
        chosen = best;
        reason = `${best.length} distinct sibling segments with the same sub-path`;
        confidence = Math.min(0.85, 0.45 + 0.08 * best.length);
      }
    }
    if (chosen.length === 0) return;
    cls ??= chosen.every((c) => classifySegment(c.segment) === 'symbol') ? 'symbol' : 'word';
    let target = node.params.get(cls);
    if (!target) {
      target = this.newNode(cls, node, cls);
      node.params.set(cls, target);
    }
    target.reason = reason;
    target.confidence = confidence;
    for (const c of chosen) {
      node.literals.delete(c.segment);
      this.addValue(target, c.segment);
      this.mergeInto(target, c);
    }
    // The merged sub-paths may now hold siblings enough to template (one repo per owner, four owners).
    this.templateNode(target, echo, depth + 1);
  }

  private mergeInto(target: PathNode, src: PathNode): void {
    target.hits += src.hits;
    target.through += src.through;
    for (const v of src.values) this.addValue(target, v);
    if (src.valuesOverflow) target.valuesOverflow = true;
    src.mergedInto = target;
    if (src.keyed && target.keyed)
      src.keyed.values.forEach((vs, i) => {
        for (const v of vs) target.keyed!.values[i]?.add(v);
      });
    for (const [seg, child] of src.literals) {
      const mine = target.literals.get(seg);
      if (mine) this.mergeInto(mine, child);
      else {
        target.literals.set(seg, child);
        child.parent = target;
      }
    }
    for (const [cls, child] of src.params) {
      const mine = target.params.get(cls);
      if (mine) this.mergeInto(mine, child);
      else {
        target.params.set(cls, child);
        child.parent = target;
      }
    }
  }

  /** The node an insert id ends at after templating. */
  canonical(id: number): PathNode {
    let node = this.nodes[id] as PathNode;
    while (node.mergedInto) node = node.mergedInto;
    return node;
  }

  /** The template of a node, with parameter names from their context (`/users/{userId}`). */
  resolve(id: number, echo: EchoLookup): ResolvedPath {
    const chain: PathNode[] = [];
    for (let n: PathNode | undefined = this.canonical(id); n && n.parent; n = n.parent) chain.unshift(n);
    const used = new Set<string>();
    const parts: string[] = [];
    const params: ResolvedPath['params'] = [];
    let prevLiteral = '';
    for (const n of chain) {
      if (n.keyed) {
        const names = keyNames(n.keyed.set, n.keyed.keys).map((base) => {
          let name = base;
          for (let i = 2; used.has(name); i++) name = `${base}${i}`;
          used.add(name);
          return name;
        });
        parts.push(keyTemplate(n.keyed.set, n.keyed.keys, names));
        names.forEach((name, i) =>
          params.push({
            name,
            class: 'key',
            reason: `a key of ${n.keyed!.set} in a key predicate (${n.keyed!.set}(…))`,
            confidence: 0.95,
            values: [...(n.keyed!.values[i] ?? [])].slice(0, 5),
          }),
        );
        prevLiteral = n.keyed.set;
        continue;
      }
      if (!n.param) {
        parts.push(n.segment);
        // After a version (`/2023-10-01/{id}`) a parameter is named as after `v1`: not `{p20231001Id}`.
        prevLiteral = n.version ? '' : n.segment;
        continue;
      }
      let name = paramName(n, prevLiteral, echo);
      const base = name;
      for (let i = 2; used.has(name); i++) name = `${base}${i}`;
      used.add(name);
      parts.push(`{${name}}`);
      const confidence = n.confidence ?? defaultConfidence(n);
      params.push({
        name,
        class: n.param,
        reason: n.reason ?? `${n.param} shape`,
        confidence,
        values: [...n.values].slice(0, 5),
      });
      prevLiteral = '';
    }
    const confidence = params.reduce((m, p) => Math.min(m, p.confidence), 1);
    return { template: `/${parts.join('/')}`, params, confidence };
  }

  nodeCount(): number {
    return this.nodes.length;
  }
}

/**
 * Whether a lone date literal under `parent` stands where APIs put their version: before routes (requests
 * go on past it), with only literals above it, and either before several routes or right after the
 * origin, a version or an API word (`/2023-10-01/things`, `/api/2023-10-01/items`).
 */
function versionPosition(parent: PathNode, date: PathNode): boolean {
  let routes = 0;
  for (const k of childKeys(date)) if (k !== '.') routes++;
  if (routes === 0) return false;
  for (let n: PathNode | undefined = parent; n; n = n.parent) if (n.param || n.keyed) return false;
  if (routes >= 2) return true;
  if (!parent.parent || parent.version) return true;
  const cls = classifySegment(parent.segment);
  return cls === 'version' || cls === 'reserved';
}

/** What follows a node: its child keys, and whether requests end at it. */
function childKeys(node: PathNode): Set<string> {
  const keys = new Set<string>();
  if (node.hits > 0) keys.add('.');
  for (const seg of node.literals.keys()) keys.add(seg);
  for (const cls of node.params.keys()) keys.add(`{${cls}}`);
  return keys;
}

/** Two siblings alike enough to be one parameter: a shared continuation and no conflicting body shapes. */
function compatible(a: PathNode, b: PathNode): boolean {
  const ka = childKeys(a);
  const kb = childKeys(b);
  let shared = false;
  for (const k of ka) if (kb.has(k)) shared = true;
  if (!shared) return false;
  const sa = responseShapes(a);
  const sb = responseShapes(b);
  if (sa.size === 0 || sb.size === 0) return true;
  for (const x of sa) if (sb.has(x)) return true;
  return false;
}

/** Response shapes of a node and its descendants (two levels), by relative path. */
function responseShapes(node: PathNode, prefix = '', depth = 2, out = new Set<string>()): Set<string> {
  for (const sh of node.shapes) out.add(`${prefix}:${sh}`);
  if (depth === 0) return out;
  for (const [seg, c] of node.literals) responseShapes(c, `${prefix}/${seg}`, depth - 1, out);
  for (const [cls, c] of node.params) responseShapes(c, `${prefix}/{${cls}}`, depth - 1, out);
  return out;
}

function defaultConfidence(n: PathNode): number {
  const distinct = n.values.size;
  switch (n.param) {
    case 'uuid':
      return 0.97;
    case 'ulid':
      return 0.95;
    case 'int':
      return distinct >= 2 ? 0.92 : 0.8;
    case 'date':
    case 'email':
      return 0.9;
    case 'hex':
      return distinct >= 2 ? 0.88 : 0.75;
    case 'opaque':
      return distinct >= 2 ? 0.85 : 0.7;
    default:
      return 0.6;
  }
}

/**
 * True when an echoed field names another resource's id than the collection the segment sits in:
 * `/posts/1` whose value 1 was seen as `userId` (JSONPlaceholder's posts carry `userId: 1, id: 1`). Small
 * integers echo everywhere, so a foreign key says nothing about the segment; the collection does.
 */
function foreignIdField(field: string, prevLiteral: string): boolean {
  const m = /^(.+?)(?:Id|ID|[_-]id)$/.exec(field);
  if (!m?.[1] || !prevLiteral || classifySegment(prevLiteral) === 'version') return false;
  const stem = camelIdentifier(m[1]).toLowerCase();
  const owner = camelIdentifier(singular(prevLiteral)).toLowerCase();
  return stem.length > 0 && owner.length > 0 && stem !== owner;
}

function paramName(n: PathNode, prevLiteral: string, echo: EchoLookup): string {
  for (const v of n.values) {
    const field = echo(v);
    if (field && !/^(id|key|value|name|code)$/i.test(field) && !foreignIdField(field, prevLiteral)) {
      const id = camelIdentifier(field);
      if (id) return id;
    }
    break;
  }
  switch (n.param) {
    case 'date':
      return 'date';
    case 'email':
      return 'email';
    case 'symbol':
      return 'symbol';
    case 'locale':
      return 'locale';
    default:
      break;
  }
  const parent = classifySegment(prevLiteral) === 'version' ? '' : camelIdentifier(singular(prevLiteral));
  if (!parent) return n.param === 'word' ? 'name' : 'id';
  return n.param === 'word' ? parent : `${parent}Id`;
}
