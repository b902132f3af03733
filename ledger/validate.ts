/**
 * The gate every write passes: each record is validated with ajv against its kind's JSON Schema before
 * it reaches the database. It lives in ledger/ (not schemas/, which holds data only and imports nothing)
 * because the ledger is the one place every route's records converge; tests of other folders can use
 * {@link validateRecord} through ledger/index.ts.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { LedgerError } from '../core/index.js';
import { ACCOUNT_KINDS, accountSchemas, isAccountKind } from '../schemas/index.js';
import type { AccountKind, AccountRecord } from '../schemas/index.js';

let validators: Map<AccountKind, ValidateFunction> | undefined;

function compiled(): Map<AccountKind, ValidateFunction> {
  if (validators) return validators;
  const ajv = new Ajv2020({ allErrors: false, strict: true });
  for (const schema of accountSchemas().values()) ajv.addSchema(schema);
  const map = new Map<AccountKind, ValidateFunction>();
  for (const kind of ACCOUNT_KINDS) {
    const schema = accountSchemas().get(kind);
    const fn = schema ? ajv.getSchema(schema.$id) : undefined;
    if (!fn) throw new Error(`ledger: schema of ${kind} did not compile`);
    map.set(kind, fn);
  }
  validators = map;
  return map;
}

/** One problem with a record, in words a user can act on. */
export interface RecordProblem {
  kind: string;
  id: string;
  /** JSON Pointer of the field (`/price`), or `` for the record itself. */
  field: string;
  message: string;
}

function describe(error: ErrorObject): { field: string; message: string } {
  const params = error.params as Record<string, unknown>;
  if (error.keyword === 'required') {
    return { field: `${error.instancePath}/${String(params['missingProperty'])}`, message: 'is required' };
  }
  if (error.keyword === 'additionalProperties') {
    return {
      field: `${error.instancePath}/${String(params['additionalProperty'])}`,
      message: 'is not a field of this kind (see docs/normalized-model.md)',
    };
  }
  if (error.keyword === 'pattern') {
    const pattern = String(params['pattern']);
    const shown = JSON.stringify(String(error.data)).slice(0, 60);
    const what = pattern.startsWith('^[^')
      ? 'text without control characters (no NUL, newline or tab)'
      : pattern.startsWith('^(0|')
        ? 'a canonical decimal string (plain digits, no exponent, no trailing zeros, e.g. "0.0015")'
        : pattern.startsWith('^[0-9]')
          ? 'a string of digits'
          : pattern.startsWith('^[\\p{Lu}')
            ? 'an asset code (upper-case letters, letters of other scripts such as CJK, digits, . _ -)'
            : `a string matching ${pattern}`;
    return { field: error.instancePath, message: `must be ${what}, not ${shown}` };
  }
  if (error.keyword === 'enum') {
    const allowed = (params['allowedValues'] as unknown[]).map((v) => JSON.stringify(v)).join(', ');
    return { field: error.instancePath, message: `must be one of ${allowed}` };
  }
  return { field: error.instancePath, message: error.message ?? error.keyword };
}

/**
 * Checks one record against its kind's schema. Returns undefined when valid, else the first problem.
 * `kind` itself must name a kind of the model.
 */
export function checkRecord(record: unknown): RecordProblem | undefined {
  if (typeof record !== 'object' || record === null || Array.isArray(record)) {
    return { kind: '?', id: '?', field: '', message: 'is not an object' };
  }
  const obj = record as Record<string, unknown>;
  const id = typeof obj['id'] === 'string' ? obj['id'] : JSON.stringify(obj['id'] ?? null);
  if (!isAccountKind(obj['kind'])) {
    return {
      kind: String(obj['kind']),
      id,
      field: '/kind',
      message: `must be one of ${ACCOUNT_KINDS.join(', ')}`,
    };
  }
  const validate = compiled().get(obj['kind']) as ValidateFunction;
  if (validate(record)) return undefined;
  const first = validate.errors?.[0];
  const { field, message } = first ? describe(first) : { field: '', message: 'is invalid' };
  return { kind: obj['kind'], id, field, message };
}

/** True when the record is valid for its kind. */
export function isValidRecord(record: unknown): record is AccountRecord {
  return checkRecord(record) === undefined;
}

/**
 * Throws `ledger.invalid_record` (exit 2) naming kind, id and field when the record does not match its
 * kind's schema.
 */
export function validateRecord(record: unknown): asserts record is AccountRecord {
  const problem = checkRecord(record);
  if (!problem) return;
  throw new LedgerError(
    'invalid_record',
    `ledger: ${problem.kind} record ${problem.id}: field ${problem.field || '(record)'} ${problem.message}.`,
    {
      exitCode: 2,
      hint: 'The producer emitted a record outside the normalized model; nothing of this batch was written.',
      details: { ...problem },
    },
  );
}
