/**
 * Key predicates in a segment (OData `Products(1)`, `OrderLines(OrderID=1,Line='x')`): the entity set
 * stays a route and only the key is a parameter, whatever the number of samples (optic#971 asks for it;
 * the sibling rule used to turn `/odata/Products(1)` into `/odata/{odata}`). Titles with parentheses
 * stay plain segments.
 */
import { describe, expect, it } from 'vitest';
import { analyzeLogs } from '../../analyzers/index.js';
import { keyPredicate } from '../../analyzers/key-predicates.js';
import { buildProtocolModel, toOpenApi, validateOpenApi } from '../../model/index.js';
import { entry, har } from './build.js';

describe('key predicates', () => {
  it.each([
    ['Products(1)', 'Products({})', ['1']],
    ['Products(42L)', 'Products({})', ['42L']],
    ["People('russellwhyte')", "People('{}')", ['russellwhyte']],
    ["OrderLines(OrderID=10248,Line='a,b')", "OrderLines(OrderID={},Line='{}')", ['10248', 'a,b']],
    [
      "Items(guid'0f8fad5b-d9cb-469f-a165-70867728950e')",
      "Items(guid'{}')",
      ['0f8fad5b-d9cb-469f-a165-70867728950e'],
    ],
    [
      'Ns.Customers(0f8fad5b-d9cb-469f-a165-70867728950e)',
      'Ns.Customers({})',
      ['0f8fad5b-d9cb-469f-a165-70867728950e'],
    ],
  ])('%s is a key predicate %s', (segment, pattern, values) => {
    expect(keyPredicate(segment)).toMatchObject({ pattern, values });
  });

  it.each(['Mercury_(planet)', 'GetTopProducts()', 'Search(term)', '(1)', 'Products(1', "Products('open)"])(
    '%s is a plain segment',
    (segment) => {
      expect(keyPredicate(segment)).toBeUndefined();
    },
  );

  it('templates the key only, from one sample up, through the model and a valid OpenAPI document', async () => {
    const base = 'https://svc.example.test/odata';
    const r = analyzeLogs([
      har([
        ...[1, 2, 3].map((id) =>
          entry({ url: `${base}/Products(${id})`, response: { ID: id, Name: `p${id}` } }),
        ),
        entry({ url: `${base}/Products(7)/Category`, response: { ID: 3 } }),
        entry({ url: `${base}/Products`, response: { value: [] } }),
        entry({ url: `${base}/Orders(10248)`, response: { OrderID: 10248 } }),
        entry({ url: `${base}/Customers('ALFKI')`, response: { CustomerID: 'ALFKI' } }),
        entry({ url: `${base}/OrderLines(OrderID=10248,Line='x')`, response: { OrderID: 10248 } }),
        entry({ url: `${base}/OrderLines(OrderID=10249,Line='y')`, response: { OrderID: 10249 } }),
        entry({ url: 'https://wiki.example.test/wiki/Mercury_(planet)', response: { title: 'Mercury' } }),
      ]).log,
    ]);
    const ops = Object.fromEntries(r.operations.map((o) => [o.pathTemplate, o]));
    expect(Object.keys(ops).sort()).toEqual([
      "/odata/Customers('{customerId}')",
      "/odata/OrderLines(OrderID={OrderID},Line='{Line}')",
      '/odata/Orders({orderId})',
      '/odata/Products',
      '/odata/Products({productId})',
      '/odata/Products({productId})/Category',
      '/wiki/Mercury_(planet)',
    ]);
    const lines = ops["/odata/OrderLines(OrderID={OrderID},Line='{Line}')"]!;
    const path = lines.parameters.filter((p) => p.in === 'path');
    expect(path.map((p) => p.name)).toEqual(['OrderID', 'Line']);
    expect(lines.id).toBe('get_odata_orderLines_orderID_line');
    expect(ops['/odata/Products({productId})']!.surface).toBe('odata/Products');

    const model = buildProtocolModel(r, { captures: [{ file: 'odata.har', entries: 10 }] });
    const doc = toOpenApi(model);
    expect(Object.keys(doc.paths as object)).toContain('/odata/Products({productId})');
    expect(await validateOpenApi(doc)).toEqual([]);
  });
});
