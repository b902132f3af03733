import { describe, expect, it } from 'vitest';
import { classifyOperation } from '../../analyzers/index.js';

describe('classifyOperation', () => {
  it.each([
    ['POST', '/bapi/c2c/v1/private/c2c/order-match/order-list-archived-involved', 'read'],
    ['POST', '/bapi/capital/v1/private/streamer/trade/get-user-trades', 'read'],
    ['POST', '/bapi/capital/v1/private/capital/transaction-history/query', 'read'],
    ['POST', '/api/deposit-history', 'read'],
    ['POST', '/api/v1/orders/search', 'read'],
    ['POST', '/api/orders/cancel-order-list', 'write'],
    ['POST', '/api/v3/order', 'write'],
    ['POST', '/sapi/v1/asset/transfer', 'write'],
    ['POST', '/api/v1/orders/create', 'write'],
    ['POST', '/api/login', 'write'],
    ['POST', '/api/things', 'write'],
    ['GET', '/api/orders/{orderId}', 'read'],
    ['GET', '/api/orders/{orderId}/cancel', 'write'],
    ['DELETE', '/api/orders/{orderId}', 'write'],
  ])('%s %s is a %s', (method, pathTemplate, effect) => {
    const result = classifyOperation({ method, pathTemplate, hasRequestBody: method === 'POST' });
    expect(result.effect).toBe(effect);
    expect(result.unsafeToReplay).toBe(effect === 'write');
  });
});
