/**
 * Which hosts are recorded. Default: the target's site (registrable domain) and every subdomain, so
 * www.example.com also records api.example.com, but not a third-party CDN, analytics or font host.
 * `--hosts a.com,b.net` replaces the default; each entry matches itself and its subdomains.
 */

// Second-level labels under which the registrable domain has three labels (co.uk, com.au, …).
const SHARED_SECOND_LEVEL = new Set(['co', 'com', 'net', 'org', 'gov', 'ac', 'edu', 'or', 'ne', 'go', 'gob']);

function isIp(host: string): boolean {
  return /^\d{1,3}(\.\d{1,3}){3}$/.test(host) || host.includes(':');
}

/** `www.binance.com` → `binance.com`; `shop.example.co.uk` → `example.co.uk`; IPs and localhost as is. */
export function siteOf(host: string): string {
  const h = host.toLowerCase().replace(/^\[|\]$/g, '');
  if (isIp(h) || !h.includes('.')) return h;
  const labels = h.split('.');
  const n = labels.length;
  const tld = labels[n - 1] as string;
  const second = labels[n - 2] as string;
  if (n >= 3 && tld.length === 2 && SHARED_SECOND_LEVEL.has(second)) return labels.slice(n - 3).join('.');
  return labels.slice(n - 2).join('.');
}

/** A host predicate and its description. */
export interface HostFilter {
  allows(host: string): boolean;
  readonly patterns: readonly string[];
}

/** Builds the filter from `--hosts` (comma-separated) or from the target URL's site. */
export function hostFilter(
  list: readonly string[] | undefined,
  targetUrl?: string,
  extra: readonly string[] = [],
): HostFilter {
  const patterns = (
    list && list.length > 0
      ? [...list]
      : targetUrl
        ? [siteOf(new URL(targetUrl).hostname), ...extra]
        : [...extra]
  )
    .map((p) => p.trim().toLowerCase().replace(/^\*\./, ''))
    .filter((p) => p !== '');
  return {
    patterns,
    allows(host) {
      const h = host.toLowerCase().replace(/^\[|\]$/g, '');
      return patterns.some((p) => h === p || (!isIp(p) && h.endsWith(`.${p}`)));
    },
  };
}

/** Splits a `--hosts` value. */
export function parseHostList(value: string | undefined): string[] | undefined {
  if (value === undefined) return undefined;
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}
