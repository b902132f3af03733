/**
 * Guides: data files (YAML or JSON) of the steps of a capture session, validated against
 * schemas/guide.schema.json. `--guide NAME` names a shipped guide (guides/NAME.yaml); anything with a
 * slash or an extension is a file path.
 */
import { readFile } from 'node:fs/promises';
import { fileReason } from './file-reason.js';
import { Ajv, type ErrorObject } from 'ajv';
import addFormatsModule from 'ajv-formats';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import { InputError, packagePath } from '../core/index.js';
import type { Guide, GuideStep } from '../schemas/generated/guide.js';

export type { Guide, GuideStep };

// ajv-formats is CommonJS; under NodeNext its default export is the namespace object.
const addFormats = ((addFormatsModule as unknown as { default?: unknown }).default ?? addFormatsModule) as (
  ajv: Ajv,
) => Ajv;

type GuideValidator = ((data: unknown) => boolean) & { errors?: ErrorObject[] | null };
let validator: GuideValidator | undefined;

async function getValidator(): Promise<GuideValidator> {
  if (validator) return validator;
  const schema = JSON.parse(await readFile(packagePath('schemas', 'guide.schema.json'), 'utf8')) as object;
  const ajv = new Ajv({ allErrors: true, strict: false });
  addFormats(ajv);
  validator = ajv.compile(schema);
  return validator;
}

/** The names of the guides shipped in guides/. */
export const SHIPPED_GUIDES = ['binance-web', 'sandbox'] as const;

/** Where `--guide` points: a shipped guide's file, or the path as given. */
export function guidePath(nameOrFile: string, resolvePath: (p: string) => string = (p) => p): string {
  if (/^[a-z0-9][a-z0-9_-]*$/.test(nameOrFile)) return packagePath('guides', `${nameOrFile}.yaml`);
  return resolvePath(nameOrFile);
}

/** Reads and validates a guide; errors name the file and the field. */
export async function loadGuide(nameOrFile: string, resolvePath?: (p: string) => string): Promise<Guide> {
  const path = guidePath(nameOrFile, resolvePath);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const shipped = /^[a-z0-9][a-z0-9_-]*$/.test(nameOrFile);
    throw new InputError(
      'guide_not_found',
      shipped
        ? `guide "${nameOrFile}": no shipped guide has this name and there is no such file.`
        : `${path}: cannot read the guide: ${fileReason(error)}.`,
      {
        hint: shipped
          ? `Shipped guides: ${SHIPPED_GUIDES.join(', ')}; or give a file path.`
          : 'Give --guide a shipped guide name or a readable YAML/JSON guide file.',
        cause: error,
      },
    );
  }
  return parseGuide(text, path);
}

/** Parses guide text (YAML or JSON) and validates it. */
export async function parseGuide(text: string, source: string): Promise<Guide> {
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    const where =
      error instanceof YAMLParseError && error.linePos
        ? `line ${error.linePos[0].line}, col ${error.linePos[0].col}: `
        : '';
    throw new InputError('guide_invalid', `${source}: ${where}not valid YAML or JSON.`, {
      hint: 'Fix the syntax of the guide file.',
    });
  }
  const validate = await getValidator();
  if (!validate(data)) {
    const first = (validate.errors ?? [])[0];
    const field = first?.instancePath || '/';
    throw new InputError(
      'guide_invalid',
      `${source}: ${field}: ${first?.message ?? 'invalid'}${first?.params && 'additionalProperty' in first.params ? ` (${String(first.params['additionalProperty'])})` : ''}.`,
      {
        hint: 'Fix the guide against schemas/guide.schema.json.',
        details: {
          errors: (validate.errors ?? []).map((e) => ({ path: e.instancePath, message: e.message })),
        },
      },
    );
  }
  const guide = data as Guide;
  const seen = new Set<string>();
  for (const [i, step] of guide.steps.entries()) {
    if (seen.has(step.id)) {
      throw new InputError('guide_invalid', `${source}: /steps/${i}/id: duplicate step id "${step.id}".`, {
        hint: 'Give each step a unique id.',
      });
    }
    seen.add(step.id);
  }
  return guide;
}

/** The guide used when none is given: one step for the whole session. */
export function defaultGuide(url?: string): Guide {
  return {
    name: 'free',
    title: 'Free capture',
    ...(url ? { site: url } : {}),
    steps: [
      {
        id: 'session',
        title: 'Use the app',
        do: 'Use the app; every request of the allowed hosts is recorded.',
      },
    ],
  };
}

/** Resolves a step's URL hint against the site. */
export function stepUrl(step: GuideStep, base: string | undefined): string | undefined {
  if (!step.url) return undefined;
  try {
    return new URL(step.url, base).toString();
  } catch {
    return undefined;
  }
}
