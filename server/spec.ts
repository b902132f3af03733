/**
 * The normalized API's OpenAPI 3.1 document (schemas/normalized-api.openapi.yaml). In the repository its
 * record schemas are `$ref`s to `schemas/account/*.schema.json`, the single source of truth; the copy the
 * server hands out embeds them, so a client needs nothing but `/v1/openapi.yaml`.
 */
import { readFileSync } from 'node:fs';
import { packagePath } from '../core/index.js';
import { accountSchemas } from '../schemas/index.js';
import { parse, stringify } from 'yaml';

/** Where the document lives in the package. */
export function normalizedApiSpecPath(): string {
  return packagePath('schemas', 'normalized-api.openapi.yaml');
}

/** The document as written: component record schemas are relative `$ref`s to `./account/<kind>.schema.json`. */
export function loadNormalizedApiSpec(): Record<string, unknown> {
  return parse(readFileSync(normalizedApiSpecPath(), 'utf8')) as Record<string, unknown>;
}

const ACCOUNT_REF = /^\.\/account\/([a-z0-9_]+)\.schema\.json$/;

let bundled: { doc: Record<string, unknown>; yaml: string } | undefined;

/**
 * The self-contained document: each component that is a `$ref` to an account schema replaced by that schema
 * (its `$id` kept, so it still names its source; `$schema` dropped, OpenAPI 3.1 implies 2020-12). Cached.
 */
export function bundledNormalizedApiSpec(): Record<string, unknown> {
  return bundle().doc;
}

/** {@link bundledNormalizedApiSpec} as YAML text (what `GET /v1/openapi.yaml` serves). */
export function bundledNormalizedApiSpecYaml(): string {
  return bundle().yaml;
}

function bundle(): { doc: Record<string, unknown>; yaml: string } {
  if (bundled) return bundled;
  const doc = loadNormalizedApiSpec();
  const schemas = accountSchemas();
  const components = (doc['components'] as { schemas: Record<string, unknown> }).schemas;
  for (const [name, schema] of Object.entries(components)) {
    const ref = (schema as { $ref?: unknown }).$ref;
    const match = typeof ref === 'string' ? ACCOUNT_REF.exec(ref) : null;
    if (!match) continue;
    const source = schemas.get(match[1] as string);
    if (!source) throw new Error(`server: ${ref} in the OpenAPI document names no account schema`);
    const copy = structuredClone(source) as Record<string, unknown>;
    delete copy['$schema'];
    components[name] = copy;
  }
  bundled = { doc, yaml: stringify(doc, { lineWidth: 0 }) };
  return bundled;
}
