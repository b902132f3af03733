/**
 * Multi-tenant hosts: the same API served under one host per customer (`dev-a1.us.auth0.com`,
 * `acme.okta.com`, `shop-1.myshopify.com`). Without this each tenant's host gives its own copy of every
 * operation; with it they become one origin with a server variable, `https://{tenant}.us.auth0.com`,
 * as an OpenAPI description of such an API writes it.
 *
 * Evidence, not a list of SaaS domains: two or more hosts that differ only in their leftmost label, under a
 * parent of at least two labels, each sharing at least half of its operations (method and path
 * template) with another of them. Labels that name a service rather than a tenant (`www`, `api`, `static`)
 * are never templated: `api.example.com` and `www.example.com` are different services of one company.
 */

/** A templated origin: `https://{tenant}.{region}.auth0.com`, and this origin's value of each variable. */
export interface TenantOrigin {
  origin: string;
  values: Record<string, string>;
}

const SERVICE_LABELS = new Set([
  'www',
  'api',
  'app',
  'apps',
  'static',
  'cdn',
  'assets',
  'img',
  'images',
  'media',
  'auth',
  'login',
  'accounts',
  'account',
  'id',
  'sso',
  'm',
  'mobile',
  'gateway',
  'ws',
  'wss',
  'stream',
  'admin',
  'dashboard',
  'docs',
  'status',
  'mail',
  'web',
]);

/** `us`, `eu`, `ap-southeast-2`, `eu1`: region labels of multi-region SaaS hosts. */
const REGION = /^[a-z]{2}(\d{1,2}|-[a-z]+-\d{1,2})?$/;

interface Parsed {
  scheme: string;
  labels: string[];
  port: string;
}

function parseOrigin(origin: string): Parsed | undefined {
  const m = /^([a-z][a-z0-9+.-]*):\/\/([^/:[\]]+)(:\d+)?$/i.exec(origin);
  if (!m) return undefined;
  const host = (m[2] as string).toLowerCase();
  if (/^\d+(\.\d+){3}$/.test(host)) return undefined;
  const labels = host.split('.');
  // A tenant label sits under a name of at least two labels (`acme.okta.com`, `dev-1.us.auth0.com`).
  if (labels.length < 3) return undefined;
  return { scheme: (m[1] as string).toLowerCase(), labels, port: m[3] ?? '' };
}

/**
 * Which origins are tenants of one templated origin. `operations` lists, per origin, the `METHOD template`
 * keys its operations resolved to. Hosts are grouped by scheme, port, label count and their last two
 * labels; the labels that differ within a group become variables: the leftmost `tenant`, a region-like
 * one `region`, any other `label<N>`.
 */
export function tenantOrigins(operations: Map<string, Set<string>>): Map<string, TenantOrigin> {
  const groups = new Map<string, { origin: string; parsed: Parsed }[]>();
  for (const origin of operations.keys()) {
    const parsed = parseOrigin(origin);
    if (!parsed || SERVICE_LABELS.has(parsed.labels[0] as string)) continue;
    const n = parsed.labels.length;
    const key = `${parsed.scheme} ${parsed.port} ${n} ${parsed.labels.slice(n - 2).join('.')}`;
    const list = groups.get(key) ?? [];
    list.push({ origin, parsed });
    groups.set(key, list);
  }
  const out = new Map<string, TenantOrigin>();
  for (const members of groups.values()) {
    if (members.length < 2) continue;
    const counts = new Map<string, number>();
    for (const { origin } of members)
      for (const k of operations.get(origin) ?? []) counts.set(k, (counts.get(k) ?? 0) + 1);
    // Each tenant shares at least half of its operations (the root page aside) with another host.
    const tenants = members.filter(({ origin }) => {
      const own = [...(operations.get(origin) ?? [])].filter((k) => !k.endsWith(' /'));
      if (own.length === 0) return false;
      const shared = own.filter((k) => (counts.get(k) ?? 0) >= 2).length;
      return shared * 2 >= own.length;
    });
    if (tenants.length < 2) continue;
    const n = (tenants[0] as { parsed: Parsed }).parsed.labels.length;
    const names: (string | undefined)[] = [];
    for (let i = 0; i < n - 2; i++) {
      const values = new Set(tenants.map((t) => t.parsed.labels[i] as string));
      if (values.size === 1) continue;
      names[i] = i === 0 ? 'tenant' : [...values].every((v) => REGION.test(v)) ? 'region' : `label${i + 1}`;
    }
    for (const { origin, parsed } of tenants) {
      const values: Record<string, string> = {};
      const host = parsed.labels.map((label, i) => {
        const name = names[i];
        if (name === undefined) return label;
        values[name] = label;
        return `{${name}}`;
      });
      out.set(origin, { origin: `${parsed.scheme}://${host.join('.')}${parsed.port}`, values });
    }
  }
  return out;
}

/** The values each variable took over the hosts an operation was seen on, sorted; undefined when none. */
export function variablesOf(hosts: (TenantOrigin | undefined)[]): Record<string, string[]> | undefined {
  const seen = new Map<string, Set<string>>();
  for (const h of hosts) {
    for (const [name, value] of Object.entries(h?.values ?? {})) {
      const set = seen.get(name) ?? new Set<string>();
      set.add(value);
      seen.set(name, set);
    }
  }
  if (seen.size === 0) return undefined;
  return Object.fromEntries([...seen].map(([name, set]) => [name, [...set].sort()]));
}
