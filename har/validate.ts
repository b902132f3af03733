/**
 * Strict HAR 1.2 validation with ajv against har/har-1.2.schema.json (written from the spec; har-validator
 * is unmaintained), and a lenient profile that also accepts the known extensions real producers write
 * (Chrome's cookie `sameSite`, …). Streams: each entry is validated as it is read, so any size works.
 * Every deviation carries a JSON Pointer into the file (`/log/entries/3/request/headers`); the reader's
 * tolerated quirks are reported beside them.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { UsageError, packagePath } from '../core/index.js';
import { normalizeHarEntry } from './normalize.js';
import { readHar, type ReadHarOptions } from './reader.js';
import type { HarWarning } from './warnings.js';

// ajv-formats is CommonJS with a `default` export; under NodeNext the default import is the module object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;

/** One way the file departs from HAR 1.2. */
export interface HarDeviation {
  /** JSON Pointer into the file: `/log/entries/3/request/headers/0/value`, `/log/creator`. */
  pointer: string;
  /** What is wrong, in words: `must have required property 'cookies'`. */
  message: string;
  /** The JSON Schema keyword that failed (`required`, `type`, `additionalProperties`, …), or `file`. */
  keyword: string;
}

/**
 * How strict: `strict` (the default) is HAR 1.2 as written, where only `_`-prefixed custom fields are
 * allowed; `lenient` also accepts the known extensions real producers write without the `_` prefix (see
 * {@link KNOWN_PRODUCER_EXTENSIONS}) and a UTF-16 file (converted while reading), and says how often it
 * met each. `_` fields (Chrome's `_initiator`, `_priority`, `_resourceType`, `_transferSize`,
 * `_blocked_queueing`, …) are valid HAR 1.2 custom fields under both profiles.
 */
export type HarValidationProfile = 'strict' | 'lenient';

/** A field a producer writes that HAR 1.2 does not define, accepted by the `lenient` profile. */
export interface HarProducerExtension {
  /** Where: `cookie.sameSite` (request and response cookies), `postData.encoding`, … */
  field: string;
  /** Who writes it. */
  producers: string;
  /** The JSON Schema the value must still satisfy. */
  schema: Record<string, unknown>;
}

/** The extensions `har validate --lenient` accepts. Anything else without a `_` prefix stays a deviation. */
export const KNOWN_PRODUCER_EXTENSIONS: readonly HarProducerExtension[] = [
  {
    field: 'cookie.sameSite',
    producers: 'Chrome, Edge and other Chromium DevTools exports, Playwright',
    schema: { type: 'string' },
  },
  { field: 'postData.encoding', producers: 'Charles, for base64 request bodies', schema: { type: 'string' } },
  { field: 'request.settingEncodeUrl', producers: 'Insomnia', schema: { type: 'boolean' } },
];

/** Options of validateHar. */
export interface ValidateHarOptions extends Pick<ReadHarOptions, 'chunkSize' | 'signal'> {
  /** Most deviations kept in the result (all are counted). Default 1000. */
  maxDeviations?: number;
  /** `strict` (default) or `lenient`; see {@link HarValidationProfile}. */
  profile?: HarValidationProfile;
}

export interface HarValidationResult {
  file: string;
  /** The profile the file was checked under. */
  profile: HarValidationProfile;
  /** True when the file has no deviation from HAR 1.2 (under the profile). */
  valid: boolean;
  entries: number;
  /** Deviations found, up to maxDeviations. */
  deviations: HarDeviation[];
  /** All deviations, including those not kept. */
  deviationCount: number;
  /** The reader's tolerated quirks (what it would repair when reading). */
  warnings: HarWarning[];
  /** Lenient profile: each known producer extension met (strict would have reported it), with its count. */
  accepted: { field: string; producers: string; count: number }[];
}

interface Validators {
  entry: ValidateFunction;
  log: ValidateFunction;
}

const validators = new Map<HarValidationProfile, Validators>();

/** The definitions each extension's object is (`cookie.sameSite` → `cookie`). */
function lenientSchema(schema: Record<string, unknown>): Record<string, unknown> {
  const copy = structuredClone(schema);
  const defs = copy['definitions'] as Record<string, { properties?: Record<string, unknown> }>;
  for (const ext of KNOWN_PRODUCER_EXTENSIONS) {
    const [object, field] = ext.field.split('.') as [string, string];
    const def = defs[object];
    if (!def) throw new Error(`har-1.2.schema.json has no definition ${object}`);
    def.properties = { ...def.properties, [field]: ext.schema };
  }
  return copy;
}

function loadValidators(profile: HarValidationProfile): Validators {
  const cached = validators.get(profile);
  if (cached) return cached;
  const strict = harSchema();
  const schema = profile === 'lenient' ? lenientSchema(strict) : strict;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema(schema, 'har');
  const made = {
    entry: ajv.getSchema('har#/definitions/entry')!,
    log: ajv.compile({ $ref: 'har' }),
  };
  validators.set(profile, made);
  return made;
}

/** Counts the known producer extensions in an entry (as read, before normalization). */
function countExtensions(entry: Record<string, unknown>, counts: Map<string, number>): void {
  const bump = (field: string): void => void counts.set(field, (counts.get(field) ?? 0) + 1);
  const obj = (v: unknown): Record<string, unknown> | undefined =>
    typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : undefined;
  const request = obj(entry['request']);
  const response = obj(entry['response']);
  for (const side of [request, response]) {
    const cookies = side?.['cookies'];
    if (Array.isArray(cookies))
      for (const c of cookies) if (obj(c)?.['sameSite'] !== undefined) bump('cookie.sameSite');
  }
  if (obj(request?.['postData'])?.['encoding'] !== undefined) bump('postData.encoding');
  if (request?.['settingEncodeUrl'] !== undefined) bump('request.settingEncodeUrl');
}

/** The JSON Schema for HAR 1.2 that validateHar uses (a parsed copy). */
export function harSchema(): Record<string, unknown> {
  return JSON.parse(readFileSync(packagePath('har', 'har-1.2.schema.json'), 'utf8')) as Record<
    string,
    unknown
  >;
}

function describe(error: ErrorObject): string {
  const p = error.params as Record<string, unknown>;
  if (error.keyword === 'additionalProperties') {
    return `has "${String(p['additionalProperty'])}", which HAR 1.2 does not define (custom fields must start with "_")`;
  }
  if (error.keyword === 'enum')
    return `${error.message ?? 'is not allowed'}: ${JSON.stringify(p['allowedValues'])}`;
  return error.message ?? error.keyword;
}

function toDeviations(errors: ErrorObject[] | null | undefined, prefix: string): HarDeviation[] {
  if (!errors) return [];
  const seen = new Set<string>();
  const out: HarDeviation[] = [];
  for (const error of errors) {
    // anyOf/oneOf add a summary error after the branch errors; the branches say it better.
    if (error.keyword === 'anyOf' && error.instancePath.endsWith('/postData')) {
      out.push({
        pointer: prefix + error.instancePath,
        message: 'must have "text" or "params"',
        keyword: 'anyOf',
      });
      continue;
    }
    if (error.keyword === 'oneOf' || (error.keyword === 'required' && error.schemaPath.includes('anyOf')))
      continue;
    if (error.keyword === 'type' && error.schemaPath.includes('oneOf')) continue;
    const pointer =
      prefix +
      error.instancePath +
      (error.keyword === 'required'
        ? `/${String((error.params as { missingProperty: string }).missingProperty)}`
        : '');
    const message = error.keyword === 'required' ? 'is required by HAR 1.2 but missing' : describe(error);
    const key = `${pointer}\u0000${message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push({ pointer, message, keyword: error.keyword });
  }
  return out;
}

/** Validates a HAR file strictly against HAR 1.2, streaming its entries. */
export async function validateHar(
  path: string,
  options: ValidateHarOptions = {},
): Promise<HarValidationResult> {
  const profile = options.profile ?? 'strict';
  if (profile !== 'strict' && profile !== 'lenient') {
    throw new UsageError('bad_profile', `validation profile ${JSON.stringify(profile)} is not known.`, {
      hint: 'Use strict (the default) or lenient.',
    });
  }
  const { entry: validateEntry, log: validateLog } = loadValidators(profile);
  const met = new Map<string, number>();
  const max = options.maxDeviations ?? 1000;
  const deviations: HarDeviation[] = [];
  let deviationCount = 0;
  const add = (list: HarDeviation[]): void => {
    deviationCount += list.length;
    for (const d of list) if (deviations.length < max) deviations.push(d);
  };
  const readOptions: ReadHarOptions = { normalize: false };
  if (options.chunkSize !== undefined) readOptions.chunkSize = options.chunkSize;
  if (options.signal) readOptions.signal = options.signal;
  const reader = await readHar(path, readOptions);
  let entries = 0;
  for await (const { entry, index } of reader.records()) {
    entries++;
    if (!validateEntry(entry)) add(toDeviations(validateEntry.errors, `/log/entries/${index}`));
    if (profile === 'lenient') countExtensions(entry as unknown as Record<string, unknown>, met);
    normalizeHarEntry(entry as unknown as Record<string, unknown>, index, reader.warnings);
  }
  const raw = reader.rawLog ?? {};
  const root = { log: { ...raw, entries: [] } };
  if (!validateLog(root)) add(toDeviations(validateLog.errors, ''));
  const warnings = reader.warnings.list();
  for (const w of warnings) {
    // Damage to the file itself is a deviation too, not only a quirk.
    if (w.kind === 'truncated') {
      add([{ pointer: '', message: w.examples[0]?.detail ?? 'the file is truncated', keyword: 'file' }]);
    } else if (w.kind === 'unparseable_entry' || w.kind === 'entry_not_object') {
      for (const ex of w.examples) add([{ pointer: ex.pointer ?? '', message: w.message, keyword: 'file' }]);
      deviationCount += Math.max(0, w.count - w.examples.length);
    } else if (w.kind === 'trailing_data' || w.kind === 'file_not_utf8') {
      add([{ pointer: '', message: w.message, keyword: 'file' }]);
    } else if (w.kind === 'utf16_file') {
      // HAR 1.2 is UTF-8; Fiddler and PowerShell write UTF-16, which the lenient profile accepts.
      if (profile === 'strict') add([{ pointer: '', message: w.message, keyword: 'file' }]);
      else met.set('file encoding UTF-16', w.count);
    }
  }
  const accepted = [
    ...KNOWN_PRODUCER_EXTENSIONS.filter((e) => met.has(e.field)).map((e) => ({
      field: e.field,
      producers: e.producers,
      count: met.get(e.field)!,
    })),
    ...(met.has('file encoding UTF-16')
      ? [{ field: 'file encoding UTF-16', producers: 'Fiddler, PowerShell', count: 1 }]
      : []),
  ];
  return {
    file: path,
    profile,
    valid: deviationCount === 0,
    entries,
    deviations,
    deviationCount,
    warnings,
    accepted,
  };
}
