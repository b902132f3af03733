/**
 * Load and save a ProtocolModel, validated against schemas/protocol-model.schema.json with ajv on both
 * ways: a model that does not validate is never written, and a file that does not is never trusted.
 */
import { readFile } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import type { ErrorObject, ValidateFunction } from 'ajv';
import { InputError, AnalyzeError, fileError, packagePath, writeFileAtomic } from '../core/index.js';
import type { ProtocolModel } from './types.js';

let validator: ValidateFunction | undefined;

function compiled(): ValidateFunction {
  if (validator) return validator;
  const schema = JSON.parse(
    readFileSync(packagePath('schemas', 'protocol-model.schema.json'), 'utf8'),
  ) as object;
  // No optimization pass over the generated code (a third of the compile, a fixed cost of every `analyze`
  // run: it simplifies the code without changing what it accepts), and no check of the schema against the
  // meta-schema at run time (test/model/model.test.ts checks it).
  const ajv = new Ajv2020({
    allErrors: false,
    strict: false,
    code: { optimize: false },
    validateSchema: false,
  });
  validator = ajv.compile(schema);
  return validator;
}

function describe(errors: ErrorObject[] | null | undefined): string {
  const e = errors?.[0];
  if (!e) return 'does not match the protocol-model schema';
  return `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`;
}

/** Problems of a value as a ProtocolModel, or an empty list. */
export function validateProtocolModel(value: unknown): string[] {
  const validate = compiled();
  if (validate(value)) return [];
  return (validate.errors ?? []).map((e) => `${e.instancePath || '(root)'} ${e.message ?? 'is invalid'}`);
}

/** Reads and validates a model file. Throws InputError (`input.not_found`, `input.bad_model`). */
export async function loadProtocolModel(path: string): Promise<ProtocolModel> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw fileError(path, error) ?? error;
  }
  let value: unknown;
  try {
    value = JSON.parse(text) as unknown;
  } catch (error) {
    throw new InputError('bad_model', `${path}: not JSON (${(error as Error).message}).`, {
      hint: 'Give a model written by `ledgertap analyze --out`.',
    });
  }
  const validate = compiled();
  if (!validate(value)) {
    throw new InputError('bad_model', `${path}: not a protocol model: ${describe(validate.errors)}.`, {
      hint: 'Give a model written by `ledgertap analyze --out`, or re-run the analysis.',
    });
  }
  return value as ProtocolModel;
}

/** Validates, then writes atomically (temp file and rename). */
export async function saveProtocolModel(path: string, model: ProtocolModel): Promise<void> {
  const validate = compiled();
  if (!validate(model)) {
    throw new AnalyzeError(
      'invalid_model',
      `the model for ${path} does not match its schema: ${describe(validate.errors)}.`,
      {
        hint: 'This is a bug in ledgertap; please report it with --verbose.',
        exitCode: 4,
      },
    );
  }
  try {
    await writeFileAtomic(path, `${JSON.stringify(model, null, 2)}\n`);
  } catch (error) {
    throw fileError(path, error, 'write') ?? error;
  }
}
