/**
 * Which clients may use the capture proxy. The proxy must listen beyond loopback for a phone on the
 * LAN to reach it, which would otherwise make it an open pass-through proxy (and a MITM with our CA)
 * for anyone on the network while a financial session is being captured.
 */
import { BlockList, isIP, isIPv4 } from 'node:net';
import { networkInterfaces } from 'node:os';
import { UsageError } from '../core/index.js';

/** Loopback: the machine running the capture. */
export const LOOPBACK_CLIENTS: readonly string[] = ['127.0.0.0/8', '::1/128'];

/** Private and link-local ranges a phone on the same LAN has (allowed by `--lan`). */
export const PRIVATE_CLIENTS: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '169.254.0.0/16',
  'fc00::/7',
  'fe80::/10',
];

/** A parsed allow-list of client addresses. */
export interface ClientAllowList {
  /** The ranges in canonical `address/prefix` form, for messages. */
  readonly ranges: readonly string[];
  /** Whether a socket's remote address may use the proxy (IPv4-mapped IPv6 and zone ids handled). */
  allows(address: string | undefined): boolean;
  /** True when every range is loopback: nothing off this machine can connect. */
  readonly loopbackOnly: boolean;
}

/** `::ffff:192.168.1.5` (a v4 client on a dual-stack socket) → `192.168.1.5`; `fe80::1%wlan0` → `fe80::1`. */
export function normalizeAddress(address: string): string {
  const bare = address.replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(bare);
  return mapped ? mapped[1]! : bare;
}

function parseRange(spec: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } {
  const text = spec.trim();
  const slash = text.indexOf('/');
  const address = normalizeAddress(slash === -1 ? text : text.slice(0, slash));
  const kind = isIP(address);
  const bad = (why: string): UsageError =>
    new UsageError('bad_allow_client', `--allow-client ${JSON.stringify(spec)}: ${why}.`, {
      hint: 'Give an IP address (192.168.1.23, fe80::1) or a CIDR range (192.168.1.0/24, fd00::/8); repeat the flag for several.',
    });
  if (kind === 0) throw bad('not an IPv4 or IPv6 address');
  const max = kind === 4 ? 32 : 128;
  let prefix = max;
  if (slash !== -1) {
    const bits = text.slice(slash + 1);
    if (!/^\d{1,3}$/.test(bits) || Number(bits) > max)
      throw bad(`the prefix length must be a whole number from 0 to ${max}`);
    prefix = Number(bits);
  }
  return { address, prefix, family: kind === 4 ? 'ipv4' : 'ipv6' };
}

/** Builds an allow-list from IP/CIDR strings; throws `usage.bad_allow_client` on a malformed one. */
export function clientAllowList(specs: readonly string[]): ClientAllowList {
  const list = new BlockList();
  const loopback = new BlockList();
  for (const r of LOOPBACK_CLIENTS) {
    const p = parseRange(r);
    loopback.addSubnet(p.address, p.prefix, p.family);
  }
  const ranges: string[] = [];
  let loopbackOnly = true;
  for (const spec of specs) {
    const p = parseRange(spec);
    list.addSubnet(p.address, p.prefix, p.family);
    ranges.push(`${p.address}/${p.prefix}`);
    // A range is loopback-only when both ends of it are loopback addresses.
    if (!loopback.check(p.address, p.family) || (p.family === 'ipv4' ? p.prefix < 8 : p.prefix < 128))
      loopbackOnly = false;
  }
  return {
    ranges,
    loopbackOnly,
    allows(address) {
      if (!address) return false;
      const bare = normalizeAddress(address);
      const kind = isIP(bare);
      if (kind === 0) return false;
      return list.check(bare, kind === 4 ? 'ipv4' : 'ipv6');
    },
  };
}

/** This machine's LAN addresses (non-internal IPv4 first), for telling the holder what to set on the phone. */
export function lanAddresses(): string[] {
  const found: string[] = [];
  for (const entries of Object.values(networkInterfaces())) {
    for (const entry of entries ?? []) {
      if (!entry.internal) found.push(entry.address);
    }
  }
  return [...found.filter((a) => isIPv4(a)), ...found.filter((a) => !isIPv4(a))];
}
