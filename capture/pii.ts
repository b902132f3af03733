/**
 * Personal data masking: email, phone, names, addresses, identity numbers. Masked values become keyed
 * placeholders like secrets (so equal values stay linkable), under kinds prefixed `pii-`. The rule set is
 * data: users extend it with a rules file (`--redact-rules FILE`, JSON or YAML).
 */
import { readFile } from 'node:fs/promises';
import { fileReason } from './file-reason.js';
import { parse as parseYaml } from 'yaml';
import { InputError } from '../core/index.js';

/** One personal-data rule: a field-name pattern, a value pattern, or both (then both must match). */
export interface PiiRule {
  /** Short kind written into placeholders: `email` gives `[redacted:pii-email:…]`. */
  kind: string;
  /** Case-insensitive regular expression on the field or parameter name. */
  name?: string;
  /** Regular expression on the (string) value. */
  value?: string;
}

/** Compiled rules. */
export interface PiiMatcher {
  /** The kind when the field `name` with `value` is personal data, else undefined. */
  match(name: string | undefined, value: string): string | undefined;
  /** The rule list as written into `log._ledgertap.redaction.rules`. */
  readonly descriptions: string[];
}

/** The default rules: what a demanding holder expects masked in a capture they may share. */
export const DEFAULT_PII_RULES: readonly PiiRule[] = [
  { kind: 'email', value: '^[^\\s@"<>]{1,64}@[A-Za-z0-9.-]{1,253}\\.[A-Za-z]{2,24}$' },
  { kind: 'email', name: '^(e-?mail|email[-_]?address|userEmail|mail|login[-_]?name|account[-_]?name)$' },
  { kind: 'phone', name: '(phone|mobile|msisdn|tel(ephone)?)([-_]?(number|no|num))?$' },
  {
    kind: 'name',
    name: '^(first[-_]?name|last[-_]?name|full[-_]?name|real[-_]?name|given[-_]?name|family[-_]?name|surname|middle[-_]?name|nick[-_]?name|display[-_]?name|user[-_]?name|account[-_]?holder|holder[-_]?name|name[-_]?on[-_]?card|counter[-_]?party[-_]?name|seller[-_]?name|buyer[-_]?name|buyer[-_]?nick[-_]?name|seller[-_]?nick[-_]?name|counter[-_]?part(y)?[-_]?nick[-_]?name|maker[-_]?nick[-_]?name|taker[-_]?nick[-_]?name|advertiser[-_]?nick[-_]?name|beneficiary[-_]?name|payee|payer)$',
  },
  {
    kind: 'address',
    name: '^(address|street|street[-_]?address|address[-_]?line[-_]?\\d?|city|zip|zip[-_]?code|postal[-_]?code|post[-_]?code|residential[-_]?address|billing[-_]?address|home[-_]?address)$',
  },
  {
    kind: 'id-number',
    name: '^(id[-_]?number|id[-_]?card|passport([-_]?(no|number))?|national[-_]?id|ssn|tax[-_]?id|iban|bank[-_]?account([-_]?(no|number))?|card[-_]?number|pan)$',
  },
  { kind: 'birth-date', name: '^(birth[-_]?date|date[-_]?of[-_]?birth|dob|birthday)$' },
  { kind: 'ip', name: '^(ip|ip[-_]?address|client[-_]?ip|login[-_]?ip|last[-_]?login[-_]?ip)$' },
];

/** Compiles rules; a bad regular expression in a user file is reported with its index. */
export function compilePiiRules(rules: readonly PiiRule[], source = 'built-in rules'): PiiMatcher {
  const compiled = rules.map((rule, index) => {
    const compile = (pattern: string | undefined, field: string): RegExp | undefined => {
      if (pattern === undefined) return undefined;
      try {
        return new RegExp(pattern, field === 'name' ? 'i' : '');
      } catch (error) {
        throw new InputError(
          'redact_rules',
          `${source}: rule ${index} (${rule.kind}): ${field} is not a valid regular expression: ${(error as Error).message}.`,
          { hint: 'Fix the pattern in the rules file.' },
        );
      }
    };
    if (typeof rule.kind !== 'string' || !/^[a-z0-9_-]+$/.test(rule.kind)) {
      throw new InputError(
        'redact_rules',
        `${source}: rule ${index}: kind must be lowercase letters, digits, - or _.`,
        {
          hint: 'Name the kind, for example "kind": "email".',
        },
      );
    }
    if (rule.name === undefined && rule.value === undefined) {
      throw new InputError(
        'redact_rules',
        `${source}: rule ${index} (${rule.kind}): give a name or a value pattern.`,
        {
          hint: 'Add "name" or "value" to the rule.',
        },
      );
    }
    return { kind: rule.kind, name: compile(rule.name, 'name'), value: compile(rule.value, 'value') };
  });
  return {
    descriptions: rules.map((r) =>
      `pii-${r.kind}:${r.name ? `name=${r.name}` : ''}${r.value ? ` value=${r.value}` : ''}`.trim(),
    ),
    match(name, value) {
      if (value === '') return undefined;
      for (const rule of compiled) {
        if (rule.name && (name === undefined || !rule.name.test(name))) continue;
        if (rule.value && !rule.value.test(value)) continue;
        return rule.kind;
      }
      return undefined;
    },
  };
}

/** Reads a user rules file: `{ "rules": [ {kind, name?, value?}, … ] }` or a bare list, JSON or YAML. */
export async function loadPiiRulesFile(path: string): Promise<PiiRule[]> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new InputError(
      'redact_rules',
      `${path}: cannot read the redaction rules file: ${fileReason(error)}.`,
      {
        hint: 'Give --redact-rules a readable YAML or JSON file of rules (a list of {kind, name?, value?}).',
        cause: error,
      },
    );
  }
  let data: unknown;
  try {
    data = parseYaml(text);
  } catch (error) {
    throw new InputError('redact_rules', `${path}: not valid YAML or JSON: ${(error as Error).message}.`, {
      hint: 'Write a list of rules, each with kind and name and/or value patterns.',
    });
  }
  const list = Array.isArray(data) ? data : (data as { rules?: unknown } | null)?.rules;
  if (!Array.isArray(list)) {
    throw new InputError('redact_rules', `${path}: expected a list of rules or an object with "rules".`, {
      hint: 'Write for example: rules: [{kind: customer-id, name: "^customerId$"}].',
    });
  }
  return list as PiiRule[];
}
