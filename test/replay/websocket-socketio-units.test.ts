/** The pure parts of socket.io replay and of the live HAR's WebSocket frames, table-driven. */
import { describe, expect, it } from 'vitest';
import type { HarEntry } from '../../har/index.js';
import type { ProtocolWebSocketEndpoint } from '../../model/index.js';
import {
  decodeEngineIoPayload as decodePayload,
  encodeEngineIoPayload as encodePayload,
} from '../../har/index.js';
import { FrameLog, engineIoUrl, maskFrameText, planSocketIo, pollingUrl } from '../../replay/index.js';
import { bareEntry } from '../har/fixtures.js';

describe('engineIoUrl', () => {
  it.each([
    ['wss://h/socket.io/?EIO=4&transport=websocket', 4, 'wss://h/socket.io/?EIO=4&transport=websocket'],
    [
      'wss://h/socket.io/?EIO=3&transport=websocket&sid=abc',
      3,
      'wss://h/socket.io/?EIO=3&transport=websocket',
    ],
    [
      'wss://h/socket.io/?EIO=3&transport=polling&sid=abc&t=NxY',
      3,
      'wss://h/socket.io/?EIO=3&transport=websocket&t=NxY',
    ],
    ['wss://h/socket.io/?room=7', 4, 'wss://h/socket.io/?room=7&EIO=4&transport=websocket'],
    ['wss://h/socket.io/?EIO=9&transport=websocket', 4, 'wss://h/socket.io/?EIO=4&transport=websocket'],
  ])('%s → engine.io %d', (input, eio, href) => {
    const out = engineIoUrl(new URL(input));
    expect(out.eio).toBe(eio);
    expect(out.url.href).toBe(href);
  });
});

describe('maskFrameText', () => {
  it.each([
    ['{"e":"trade","p":"1"}', [], '{"e":"trade","p":"1"}'],
    [
      '{"op":"auth","token":"abc","args":{"apiKey":"k1","n":1}}',
      [],
      '{"op":"auth","token":"***","args":{"apiKey":"***","n":1}}',
    ],
    ['42["subscribe",{"topic":"t","token":"abc"}]', [], '42["subscribe",{"topic":"t","token":"***"}]'],
    ['42/admin,7["login",{"password":"pw"}]', [], '42/admin,7["login",{"password":"***"}]'],
    [
      '{"method":"SUBSCRIBE","params":["Zk3listenKeyValue"]}',
      ['Zk3listenKeyValue'],
      '{"method":"SUBSCRIBE","params":["***"]}',
    ],
    ['hello {"token":"x"}', [], 'hello {"token":"x"}'],
    ['2', [], '2'],
  ])('%s', (input, secrets, expected) => {
    expect(maskFrameText(input, secrets)).toBe(expected);
  });
});

describe('FrameLog', () => {
  it('keeps frames up to its bound in epoch seconds, counts the rest, masks text', () => {
    let now = 1_767_225_700_000;
    const log = new FrameLog(3, ['s3cr3tValue'], () => (now += 10));
    log.text('send', '{"key":"s3cr3tValue"}');
    log.binary('receive', Buffer.from([1, 2, 3]));
    log.control('receive', 9);
    log.text('receive', 'late');
    log.control('send', 10);
    expect(log.frames).toEqual([
      { type: 'send', time: 1_767_225_700.01, opcode: 1, data: '{"key":"***"}' },
      { type: 'receive', time: 1_767_225_700.02, opcode: 2, data: 'AQID' },
      { type: 'receive', time: 1_767_225_700.03, opcode: 9, data: '' },
    ]);
    expect(log.dropped).toBe(2);
  });
});

describe('planSocketIo', () => {
  const kind = (name: string, role: string): ProtocolWebSocketEndpoint['kinds'][number] =>
    ({ id: `send:${name}`, direction: 'send', name, framing: 'socket.io', role, by: 'socket.io' }) as never;
  const endpoint = {
    id: 'ws_sio',
    kinds: [
      kind('subscribe', 'subscribe'),
      kind('unsubscribe', 'unsubscribe'),
      kind('getBalance', 'request'),
      kind('/admin:getStatus', 'request'),
      kind('/admin:deleteUser', 'request'),
      kind('login', 'request'),
    ],
  } as unknown as ProtocolWebSocketEndpoint;
  const sample = (frames: string[]): HarEntry => {
    const e = bareEntry('wss://h/socket.io/?EIO=4&transport=websocket', '2026-01-01T00:00:00Z', 1);
    e._webSocketMessages = frames.map((data, i) => ({ type: 'send', time: i, opcode: 1, data }));
    return e;
  };
  const frames = [
    '40{"token":"[redacted:token:ab12]"}',
    '40/admin,',
    '2',
    '3',
    '42["subscribe",{"topic":"p"}]',
    '421["getBalance",{"asset":"BTC"}]',
    '42/admin,2["getStatus"]',
    '42/admin,3["deleteUser",{"id":1}]',
    '424["login",{"password":"[redacted:password:cd34]"}]',
    '42["unsubscribe",{"topic":"p"}]',
    '451-["upload",{"_placeholder":true,"num":0}]',
    '42["unknownEvent"]',
    '41/admin,',
    '435[{"ok":true}]',
  ];

  it('connects the captured namespaces, sends subscribes and reads with their ack ids, holds the rest with a reason', () => {
    const plan = planSocketIo(endpoint, sample(frames), 4, new Set());
    // The main namespace's connect carried a redacted auth payload: sent bare.
    expect([...plan.namespaces]).toEqual([
      ['', '40'],
      ['/admin', '40/admin,'],
    ]);
    expect(plan.send.map((o) => [o.data, o.namespace, o.id])).toEqual([
      ['42["subscribe",{"topic":"p"}]', '', undefined],
      ['421["getBalance",{"asset":"BTC"}]', '', 'ack:/1'],
      ['42/admin,2["getStatus"]', '/admin', 'ack:/admin/2'],
    ]);
    const firstWords = plan.heldBack
      .filter((h) => h.message !== 'ws_sio//admin:deleteUser')
      .map((h) => [h.message, h.reason.split(':')[0]]);
    expect(Object.fromEntries(firstWords)).toEqual({
      'ws_sio/login': 'holds values redacted in the capture that replay cannot fill',
      'ws_sio/unsubscribe': 'an unsubscribe',
      'ws_sio/upload': 'a binary event',
      'ws_sio/unknownEvent': 'not a message kind of the model',
      'ws_sio/socket.io disconnect': 'a namespace disconnect',
    });
    expect(plan.heldBack.find((h) => h.message === 'ws_sio//admin:deleteUser')?.reason).toContain(
      '--allow-write ws_sio//admin:deleteUser',
    );
  });

  it('sends a write only when named, and leaves the main namespace to the server in engine.io 3', () => {
    const plan = planSocketIo(endpoint, sample(frames), 3, new Set(['ws_sio//admin:deleteUser']));
    expect([...plan.namespaces.keys()]).toEqual(['/admin']);
    expect(plan.send.map((o) => o.data)).toContain('42/admin,3["deleteUser",{"id":1}]');
  });
});

describe('planSocketIo: the client acks to the server emits', () => {
  const endpoint = { id: 'ws_sio', kinds: [] } as unknown as ProtocolWebSocketEndpoint;
  const sample = (frames: ['send' | 'receive', string][]): HarEntry => {
    const e = bareEntry('wss://h/socket.io/?EIO=4&transport=websocket', '2026-01-01T00:00:00Z', 1);
    e._webSocketMessages = frames.map(([type, data], i) => ({ type, time: i, opcode: 1, data }));
    return e;
  };

  it.each<[string, ['send' | 'receive', string][], Record<string, unknown>]>([
    [
      'an ack names the server event of its id and namespace, with its arguments as captured',
      [
        ['receive', '427["hello",{"challenge":"c1"}]'],
        ['receive', '42/admin,7["audit"]'],
        ['send', '43/admin,7[]'],
        ['send', '437[{"ok":true,"n":1}]'],
      ],
      {
        hello: { args: '[{"ok":true,"n":1}]', redacted: false },
        '/admin:audit': { args: '[]', redacted: false },
      },
    ],
    [
      "the client's own acked emits and the server's acks to them are not server asks",
      [
        ['send', '421["getBalance"]'],
        ['receive', '431[{"free":"1"}]'],
        ['receive', '42["notice",{"text":"hi"}]'],
      ],
      {},
    ],
    [
      'a server ask the client never answered is absent; the first ack of a name is kept',
      [
        ['receive', '422["hello",{"c":1}]'],
        ['receive', '423["hello",{"c":2}]'],
        ['send', '432[true]'],
        ['send', '433[false]'],
        ['receive', '424["survey"]'],
      ],
      { hello: { args: '[true]', redacted: false } },
    ],
    [
      'a redacted ack is kept and flagged; a binary ack is held with the reason',
      [
        ['receive', '425["token"]'],
        ['send', '435[{"token":"[REDACTED]"}]'],
        ['receive', '426["avatar"]'],
        ['send', '461-6[{"_placeholder":true,"num":0}]'],
      ],
      {
        token: { args: '[{"token":"[REDACTED]"}]', redacted: true },
        avatar: { held: 'a binary ack: its attachments are binary frames replay never sends' },
      },
    ],
  ])('%s', (_title, frames, expected) => {
    const plan = planSocketIo(endpoint, sample(frames), 4, new Set());
    expect(Object.fromEntries(plan.acks)).toEqual(expected);
    // Acks are answers to the live server, never resent as captured emits.
    expect(plan.send).toEqual([]);
  });

  it('holds the ack of a server event that names a change (confirm, approve) unless --allow-write names it', () => {
    const frames: ['send' | 'receive', string][] = [
      ['receive', '427["confirm",{"challenge":"c1"}]'],
      ['send', '437[{"ok":true}]'],
      ['receive', '42/admin,8["approveWithdrawal",{"id":3}]'],
      ['send', '43/admin,8[true]'],
    ];
    const held = planSocketIo(endpoint, sample(frames), 4, new Set());
    expect(held.acks.get('confirm')).toEqual({
      held: expect.stringMatching(/names a change.*--allow-write ws_sio\/confirm and confirm$/),
    });
    expect(held.acks.get('/admin:approveWithdrawal')).toEqual({
      held: expect.stringContaining('--allow-write ws_sio//admin:approveWithdrawal'),
    });
    const allowed = planSocketIo(endpoint, sample(frames), 4, new Set(['ws_sio/confirm']));
    expect(allowed.acks.get('confirm')).toEqual({ args: '[{"ok":true}]', redacted: false });
    expect(allowed.acks.get('/admin:approveWithdrawal')).toHaveProperty('held');
  });
});

describe('long-polling payloads', () => {
  it.each<[string, 3 | 4, string[], string]>([
    [
      'engine.io 4: the record separator between packets',
      4,
      ['40', '42["a",{"b":1}]'],
      '40\x1e42["a",{"b":1}]',
    ],
    ['engine.io 4: one packet alone', 4, ['2'], '2'],
    ['engine.io 3: each packet after its length', 3, ['40', '42["a"]'], '2:407:42["a"]'],
    // Lengths in UTF-16 code units, as engine.io 3 counts them: é is 1, an emoji 2.
    ['engine.io 3: lengths in UTF-16 units', 3, ['42["é"]', '42["😀"]'], '7:42["é"]8:42["😀"]'],
  ])('%s', (_title, eio, packets, body) => {
    expect(encodePayload(packets, eio)).toBe(body);
    expect(decodePayload(body, eio)).toEqual(packets);
  });

  it.each<[string, string, string]>([
    ['no length prefix', '42["a"]', 'without a length prefix at character 0'],
    ['a packet cut short', '9:42["a"]', 'packet of 9 characters cut at 7'],
    ['garbage after a packet', '2:40x', 'without a length prefix at character 4'],
  ])('engine.io 3: %s is an error', (_title, body, error) => {
    expect(decodePayload(body, 3)).toEqual({ error: expect.stringContaining(error) });
  });

  it.each([
    ['wss://h/socket.io/?EIO=4&transport=websocket', 4, 'https://h/socket.io/?EIO=4&transport=polling'],
    [
      'ws://h/socket.io/?EIO=3&transport=websocket&sid=x',
      3,
      'http://h/socket.io/?EIO=3&transport=polling&b64=1',
    ],
  ] as const)('polling URL of %s', (input, eio, href) => {
    expect(pollingUrl(new URL(input), eio).href).toBe(href);
  });
});
