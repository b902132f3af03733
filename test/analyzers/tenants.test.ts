import { describe, expect, it } from 'vitest';
import { tenantOrigins, variablesOf } from '../../analyzers/tenants.js';

const ops = (entries: Record<string, string[]>): Map<string, Set<string>> =>
  new Map(Object.entries(entries).map(([origin, keys]) => [origin, new Set(keys)]));

describe('multi-tenant hosts', () => {
  it('templates the leftmost label of hosts that serve the same API (Okta-style)', () => {
    const t = tenantOrigins(
      ops({
        'https://acme.okta.com': ['GET /api/v1/users', 'GET /api/v1/users/{userId}'],
        'https://globex.okta.com': ['GET /api/v1/users', 'GET /api/v1/groups'],
      }),
    );
    expect(t.get('https://acme.okta.com')).toEqual({
      origin: 'https://{tenant}.okta.com',
      values: { tenant: 'acme' },
    });
    expect(t.get('https://globex.okta.com')?.origin).toBe('https://{tenant}.okta.com');
    expect(variablesOf([...t.values()])).toEqual({ tenant: ['acme', 'globex'] });
  });

  it('templates a region label too, and keeps the port', () => {
    const t = tenantOrigins(
      ops({
        'https://dev-a.us.auth0.com:8443': ['POST /oauth/token'],
        'https://dev-b.eu.auth0.com:8443': ['POST /oauth/token'],
      }),
    );
    expect(t.get('https://dev-b.eu.auth0.com:8443')).toEqual({
      origin: 'https://{tenant}.{region}.auth0.com:8443',
      values: { tenant: 'dev-b', region: 'eu' },
    });
  });

  it('leaves service hosts, unrelated hosts, two-label hosts and IPs alone', () => {
    expect(
      tenantOrigins(
        ops({
          // www and api are two services of one company, even when they share a path.
          'https://www.example.com': ['GET /health', 'GET /'],
          'https://api.example.com': ['GET /health'],
          // Different APIs under one parent: nothing shared.
          'https://billing.corp.example': ['GET /invoices'],
          'https://people.corp.example': ['GET /employees'],
          'https://example.org': ['GET /a'],
          'https://10.0.0.1': ['GET /a'],
          'https://10.0.0.2': ['GET /a'],
        }),
      ).size,
    ).toBe(0);
  });

  it('needs each tenant to share at least half of its operations with another', () => {
    const t = tenantOrigins(
      ops({
        'https://a.shop.test': ['GET /products', 'GET /orders'],
        'https://b.shop.test': ['GET /products', 'GET /orders', 'GET /x', 'GET /y', 'GET /z'],
      }),
    );
    expect([...t.keys()]).toEqual([]);
  });
});
