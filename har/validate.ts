/**
 * Strict HAR 1.2 validation with ajv against har/har-1.2.schema.json (written from the spec; har-validator
 * is unmaintained). Streams: each entry is validated as it is read, so any size works. Every deviation
 * carries a JSON Pointer into the file (`/log/entries/3/request/headers`); the reader's tolerated quirks
 * are reported beside them.
 */
import { readFileSync } from 'node:fs';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { packagePath } from '../core/index.js';
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

/** Options of validateHar. */
export interface ValidateHarOptions extends Pick<ReadHarOptions, 'chunkSize' | 'signal'> {
  /** Most deviations kept in the result (all are counted). Default 1000. */
  maxDeviations?: number;
}

export interface HarValidationResult {
  file: string;
  /** True when the file has no deviation from HAR 1.2. */
  valid: boolean;
  entries: number;
  /** Deviations found, up to maxDeviations. */
  deviations: HarDeviation[];
  /** All deviations, including those not kept. */
  deviationCount: number;
  /** The reader's tolerated quirks (what it would repair when reading). */
  warnings: HarWarning[];
}

interface Validators {
  entry: ValidateFunction;
  log: ValidateFunction;
}

let validators: Validators | undefined;

function loadValidators(): Validators {
  if (validators) return validators;
  const schema = JSON.parse(readFileSync(packagePath('har', 'har-1.2.schema.json'), 'utf8')) as Record<
    string,
    unknown
  >;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  ajv.addSchema(schema, 'har');
  validators = {
    entry: ajv.getSchema('har#/definitions/entry')!,
    log: ajv.compile({ $ref: 'har' }),
  };
  return validators;
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
  const { entry: validateEntry, log: validateLog } = loadValidators();
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
    } else if (w.kind === 'trailing_data' || w.kind === 'file_not_utf8' || w.kind === 'bom') {
      if (w.kind !== 'bom') add([{ pointer: '', message: w.message, keyword: 'file' }]);
    }
  }
  return { file: path, valid: deviationCount === 0, entries, deviations, deviationCount, warnings };
}
