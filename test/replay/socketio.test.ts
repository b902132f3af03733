/**
 * socket.io replay end to end through the CLI: a capture of a socket.io app (engine.io 4 over WebSocket,
 * two namespaces, a subscribe, a read and a write with acks; and an engine.io 3 socket upgraded from
 * polling) is analyzed into a model and replayed against a hand-written engine.io server on 127.0.0.1
 * (test/replay/sio-server.ts), unchanged and then changed.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCliInProcess } from '../helpers/cli.js';
import { useTempDirs } from '../helpers/tmp.js';
import { sioCaptureHar, sioEio3CaptureHar, sioPollingCaptureHar } from './sio-capture.js';
import {
  CONFIRM_ACK_ID,
  SIO_SESSION,
  SIO_TOKEN,
  confirmAnswer,
  startSioServer,
  type SioServer,
} from './sio-server.js';

const tempDir = useTempDirs('ledgertap-sio-replay-');
const ENDPOINT = 'ws_socketIo';

interface SioResult {
  endpointId: string;
  url: string;
  kind: string;
  drifts?: { kind: string; messageKind?: string; pointer: string; expected?: string; actual?: string }[];
  kinds?: { kind: string; messages: number }[];
  heldBack?: { message: string; reason: string }[];
  received?: { messages: number; heartbeats: number; pingsAnswered: number };
  sent?: { messages: number; heartbeats: number; acks: number };
  transport?: string;
}

describe('socket.io replay against a live engine.io server', () => {
  let server: SioServer;
  let dir: string;
  let modelPath: string;
  let cookiePath: string;

  beforeAll(async () => {
    server = await startSioServer();
  });
  afterAll(async () => {
    await server.close();
  });

  async function analyzed(har: unknown): Promise<void> {
    dir = await tempDir();
    const file = join(dir, 'capture.har');
    await writeFile(file, JSON.stringify(har));
    modelPath = join(dir, 'model.json');
    const analyze = await runCliInProcess(['analyze', file, '--out', modelPath], { cwd: dir });
    expect(analyze.code, analyze.stderr).toBe(0);
    cookiePath = join(dir, 'cookies.json');
    await writeFile(
      cookiePath,
      JSON.stringify([{ name: 'session', value: SIO_SESSION, domain: '127.0.0.1' }]),
    );
  }

  async function replay(
    extra: string[],
  ): Promise<{ code: number; result: SioResult; stdout: string; warnings: string[] }> {
    const run = await runCliInProcess(
      [
        'replay',
        '--model',
        modelPath,
        '--base-url',
        server.url,
        '--cookies',
        cookiePath,
        '--ws-duration-ms',
        '900',
        '--json',
        ...extra,
      ],
      { cwd: dir },
    );
    const parsed = JSON.parse(run.stdout) as { websockets: { results: SioResult[] }; warnings: string[] };
    const result = parsed.websockets.results.find((r) => r.endpointId === ENDPOINT) as SioResult;
    expect(result, run.stdout).toBeDefined();
    return { code: run.code, result, stdout: run.stdout, warnings: parsed.warnings };
  }

  /** Analyzes `har` and has the server refuse the WebSocket upgrade, with what it saw so far cleared. */
  async function analyzedPollingOnly(har: unknown): Promise<void> {
    server.changes = { pollingOnly: true };
    await analyzed(har);
    server.received.length = 0;
    server.polls.length = 0;
    server.pollingPosts.length = 0;
  }

  const kindsOf = (r: SioResult): Record<string, number> =>
    Object.fromEntries((r.kinds ?? []).map((k) => [k.kind, k.messages]));
  const sentEvents = (): string[] => server.received.map((r) => r.data).filter((d) => d.startsWith('42'));

  /** Engine.io 4 replay emitted the capture's three reads in order: the subscribe, the acked balance, the admin status. */
  function expectCapturedEmits(): void {
    expect(sentEvents()).toEqual([
      expect.stringMatching(/^42\["subscribe",/),
      '421["getBalance",{"asset":"BTC"}]',
      '42/admin,3["getStatus"]',
    ]);
  }

  /** The capture's kinds came back (prices streaming, each ack and the notice once) and none is new; returns the counts. */
  function expectCapturedKinds(result: SioResult): Record<string, number> {
    const kinds = kindsOf(result);
    expect(kinds['receive:price']).toBeGreaterThan(5);
    expect(kinds['receive:getBalance.ack']).toBe(1);
    expect(kinds['receive:/admin:getStatus.ack']).toBe(1);
    expect(kinds['receive:notice']).toBe(1);
    expect(Object.keys(kinds).filter((k) => k.startsWith('new:'))).toEqual([]);
    return kinds;
  }

  it('opens engine.io 4, answers pings, connects both namespaces, emits only reads and subscribes, matches acks, finds no drift', async () => {
    server.changes = {};
    await analyzed(sioCaptureHar());
    server.received.length = 0;
    const pongsBefore = server.pongs;
    const { code, result } = await replay([]);
    expect(code, JSON.stringify(result)).toBe(0);
    expect(result.kind).toBe('ok');
    // Dialled as engine.io 4 over WebSocket with no captured session id.
    expect(server.handshakes.at(-1)).toBe('EIO=4&transport=websocket');
    expect(result.url).toContain('/socket.io/?EIO=4&transport=websocket');
    // The server pinged every 200 ms; each `2` was answered with `3`.
    expect(server.pongs - pongsBefore).toBeGreaterThanOrEqual(2);
    expect(result.received?.pingsAnswered).toBeGreaterThanOrEqual(2);
    // Namespaces connected, then events emitted on them with the captured ack ids; the write held back.
    const frames = server.received.map((r) => r.data);
    expect(frames).toContain('40');
    expect(frames).toContain('40/admin,');
    expectCapturedEmits();
    expect(server.orders).toBe(0);
    expect(result.heldBack?.find((h) => h.message === `${ENDPOINT}/placeOrder`)?.reason).toContain(
      `--allow-write ${ENDPOINT}/placeOrder`,
    );
    // Received packets named as the analyzer named the captured ones, acks matched to their emits.
    const kinds = expectCapturedKinds(result);
    expect(kinds['receive:socket.io open']).toBe(1);
    expect(kinds['receive:socket.io connect']).toBe(2);
  });

  it('reports a renamed event field and a changed ack payload as drift by kind', async () => {
    server.changes = { renamePrice: true, balanceAsNumber: true };
    await analyzed(sioCaptureHar());
    const { code, result } = await replay([]);
    expect(code).toBe(1);
    expect(result.kind).toBe('drift');
    const drifts = (result.drifts ?? []).map(
      (d) => `${d.kind} ${d.messageKind ?? ''} ${d.pointer} ${d.expected ?? ''}->${d.actual ?? ''}`,
    );
    expect(drifts).toContain('field_renamed receive:price /price price->last');
    expect(drifts.some((d) => d.startsWith('type_changed receive:getBalance.ack /free'))).toBe(true);
    expect(drifts.some((d) => d.includes('/admin:getStatus'))).toBe(false);
  });

  it('reports a refused namespace and sends nothing on it', async () => {
    server.changes = { refuseAdmin: true };
    await analyzed(sioCaptureHar());
    server.received.length = 0;
    const { code, result } = await replay([]);
    expect(code).toBe(1);
    expect(result.drifts?.map((d) => `${d.kind} ${d.messageKind ?? ''}`)).toContain(
      'auth_rejected receive:socket.io connect-error',
    );
    expect(sentEvents().some((d) => d.startsWith('42/admin,'))).toBe(false);
  });

  it('emits a write only when named and confirmed, and matches its ack', async () => {
    server.changes = {};
    await analyzed(sioCaptureHar());
    const unconfirmed = await runCliInProcess(
      ['replay', '--model', modelPath, '--allow-write', `${ENDPOINT}/placeOrder`],
      { cwd: dir },
    );
    expect(unconfirmed.code).toBe(2);
    expect(server.orders).toBe(0);
    const { code, result } = await replay(['--allow-write', `${ENDPOINT}/placeOrder`, '--yes']);
    expect(code, JSON.stringify(result)).toBe(0);
    expect(server.orders).toBe(1);
    expect(kindsOf(result)['receive:placeOrder.ack']).toBe(1);
  });

  it('speaks engine.io 3 when the capture did: drops the captured sid, pings the server, joins the main namespace it is given', async () => {
    server.changes = {};
    await analyzed(sioEio3CaptureHar());
    server.received.length = 0;
    const pingsBefore = server.clientPings;
    const { code, result } = await replay([]);
    expect(code, JSON.stringify(result)).toBe(0);
    expect(server.handshakes.at(-1)).toBe('EIO=3&transport=websocket');
    // The client pings every pingInterval (200 ms) in engine.io 3, and the server's `3`s keep it alive.
    expect(server.clientPings - pingsBefore).toBeGreaterThanOrEqual(2);
    // Engine.io 3 joins the main namespace by itself: no `40` is sent, and events wait for the server's.
    const frames = server.received.map((r) => r.data);
    expect(frames).not.toContain('40');
    expect(sentEvents()).toEqual([
      '421["getBalance",{"asset":"BTC"}]',
      expect.stringMatching(/^42\["subscribe",/),
    ]);
    expect(kindsOf(result)['receive:getBalance.ack']).toBe(1);
    expect(kindsOf(result)['receive:price']).toBeGreaterThan(5);
  });

  it('writes the replayed connection to --out-har with its frames, credentials masked, and it re-analyzes to the same endpoint and kinds', async () => {
    server.changes = {};
    await analyzed(sioCaptureHar());
    const out = join(dir, 'live.har');
    const before = Date.now() / 1000;
    const { code } = await replay(['--out-har', out]);
    expect(code).toBe(0);
    const text = await readFile(out, 'utf8');
    expect(text).not.toContain(SIO_TOKEN);
    expect(text).not.toContain(SIO_SESSION);
    const har = JSON.parse(text) as {
      log: {
        entries: {
          request: { url: string; headers: { name: string; value: string }[] };
          response: { status: number };
          _resourceType?: string;
          _webSocketMessages?: { type: string; time: number; opcode: number; data: string }[];
        }[];
      };
    };
    const entry = har.log.entries.find((e) => e._resourceType === 'websocket');
    expect(entry?.response.status).toBe(101);
    expect(entry?.request.url).toContain('/socket.io/?EIO=4&transport=websocket');
    expect(entry?.request.headers.find((h) => h.name.toLowerCase() === 'cookie')?.value).toBe('***');
    const frames = entry?._webSocketMessages ?? [];
    expect(frames[0]).toMatchObject({ type: 'receive', opcode: 1, data: expect.stringMatching(/^0\{"sid"/) });
    expect(frames.every((f) => f.time >= before - 1 && f.time <= Date.now() / 1000 + 1)).toBe(true);
    expect(frames).toContainEqual(
      expect.objectContaining({ type: 'send', data: '421["getBalance",{"asset":"BTC"}]' }),
    );
    expect(frames).toContainEqual(
      expect.objectContaining({ type: 'send', data: '42["subscribe",{"topic":"prices","token":"***"}]' }),
    );
    expect(frames.filter((f) => f.type === 'send' && f.data === '3').length).toBeGreaterThanOrEqual(2);

    const validate = await runCliInProcess(['har', 'validate', out], { cwd: dir });
    expect(validate.code, validate.stdout + validate.stderr).toBe(0);
    const again = join(dir, 'again.json');
    const analyze = await runCliInProcess(['analyze', out, '--out', again], { cwd: dir });
    expect(analyze.code, analyze.stderr).toBe(0);
    type Model = { websockets: { id: string; framing: string; kinds: { id: string }[] }[] };
    const kindIds = (m: Model): string[] =>
      (m.websockets.find((w) => w.id === ENDPOINT)?.kinds ?? []).map((k) => k.id).sort();
    const original = JSON.parse(await readFile(modelPath, 'utf8')) as Model;
    const live = JSON.parse(await readFile(again, 'utf8')) as Model;
    expect(live.websockets.map((w) => `${w.id} ${w.framing}`)).toEqual([`${ENDPOINT} socket.io`]);
    // The same kinds, less the write replay did not send and its ack.
    expect(kindIds(live)).toEqual(kindIds(original).filter((k) => !k.includes('placeOrder')));
  });

  it('answers a server emit that asks for an ack with the ack the capture gave it, under the live ack id, and the server keeps the session', async () => {
    server.changes = { askConfirm: true, askEvent: 'welcome' };
    await analyzed(sioCaptureHar('acked', 'welcome'));
    server.received.length = 0;
    server.confirmAcks.length = 0;
    const timeoutsBefore = server.confirmTimeouts;
    const out = join(dir, 'live.har');
    const { code, result, warnings } = await replay(['--out-har', out]);
    expect(code, JSON.stringify(result)).toBe(0);
    expect(result.kind).toBe('ok');
    // The live server asked under id 17 (the capture's was 0): answered under 17 with the captured arguments.
    const answer = `43${CONFIRM_ACK_ID}${JSON.stringify([confirmAnswer()])}`;
    expect(server.confirmAcks).toEqual([answer]);
    expect(server.confirmTimeouts).toBe(timeoutsBefore);
    expect(result.sent?.acks).toBe(1);
    // An ack is an answer, not an emit: not counted as one, nothing held back about it, no warning.
    expect(sentEvents()).toHaveLength(3);
    expect(result.heldBack?.some((h) => h.message.endsWith('.ack'))).toBe(false);
    expect(warnings.filter((w) => w.includes('welcome'))).toEqual([]);
    const kinds = kindsOf(result);
    expect(kinds['receive:welcome']).toBe(1);
    // The live HAR has the ask and the answer, in that order.
    const har = JSON.parse(await readFile(out, 'utf8')) as {
      log: { entries: { _webSocketMessages?: { type: string; data: string }[] }[] };
    };
    const frames = har.log.entries.find((e) => e._webSocketMessages)?._webSocketMessages ?? [];
    const ask = frames.findIndex(
      (f) => f.type === 'receive' && f.data.startsWith(`42${CONFIRM_ACK_ID}["welcome"`),
    );
    const reply = frames.findIndex((f) => f.type === 'send' && f.data === answer);
    expect(ask).toBeGreaterThanOrEqual(0);
    expect(reply).toBeGreaterThan(ask);
  });

  it('does not ack a server emit that names a change (confirm) unless the user names it with --allow-write and confirms', async () => {
    server.changes = { askConfirm: true };
    await analyzed(sioCaptureHar('acked'));
    server.confirmAcks.length = 0;
    const timeoutsBefore = server.confirmTimeouts;
    const held = await replay([]);
    expect(server.confirmAcks).toEqual([]);
    expect(server.confirmTimeouts).toBe(timeoutsBefore + 1);
    expect(held.result.sent?.acks).toBe(0);
    expect(held.result.heldBack?.find((h) => h.message === `${ENDPOINT}/confirm.ack`)?.reason).toMatch(
      new RegExp(`acking it could carry the change out.*--allow-write ${ENDPOINT}/confirm`),
    );
    const allowed = await replay(['--allow-write', `${ENDPOINT}/confirm`, '--yes']);
    expect(allowed.code, JSON.stringify(allowed.result)).toBe(0);
    expect(server.confirmAcks).toEqual([`43${CONFIRM_ACK_ID}${JSON.stringify([confirmAnswer()])}`]);
    expect(allowed.result.sent?.acks).toBe(1);
  });

  it('invents no ack when the capture has none: the event is named in a warning and held back, and the disconnect that follows is drift', async () => {
    server.changes = { askConfirm: true };
    await analyzed(sioCaptureHar('unacked'));
    server.received.length = 0;
    server.confirmAcks.length = 0;
    const timeoutsBefore = server.confirmTimeouts;
    const report = join(dir, 'drift.md');
    const { code, result, warnings } = await replay(['--report', report]);
    expect(server.received.map((r) => r.data).filter((d) => d.startsWith('43'))).toEqual([]);
    expect(server.confirmAcks).toEqual([]);
    expect(server.confirmTimeouts).toBe(timeoutsBefore + 1);
    expect(result.sent?.acks).toBe(0);
    const held = result.heldBack?.find((h) => h.message === `${ENDPOINT}/confirm.ack`);
    expect(held?.reason).toContain('the capture shows no ack from the client for it');
    expect(warnings).toContainEqual(expect.stringMatching(new RegExp(`^${ENDPOINT}: .*ack of confirm`)));
    expect(await readFile(report, 'utf8')).toContain(`\`${ENDPOINT}/confirm.ack\``);
    // The server ended the namespace for want of the answer, as it did not in the capture.
    expect(code).toBe(1);
    expect(result.drifts?.map((d) => `${d.kind} ${d.messageKind ?? ''}`)).toContain(
      'connection_closed receive:socket.io disconnect',
    );
  });

  it('replays over long-polling when the server refuses the WebSocket upgrade (engine.io 4): handshake GET, connects and emits by POST, pings answered, acks matched; the refusal stays drift; the HAR masks the session', async () => {
    await analyzedPollingOnly(sioCaptureHar());
    const pongsBefore = server.pongs;
    const ordersBefore = server.orders;
    const out = join(dir, 'polling.har');
    const report = join(dir, 'drift.md');
    const { code, result } = await replay(['--out-har', out, '--report', report]);
    expect(code).toBe(1);
    expect(result.kind).toBe('drift');
    expect(result.transport).toBe('polling');
    // The only drift is the refused upgrade: over polling the events fared as captured.
    expect(result.drifts?.map((d) => `${d.kind} ${d.actual ?? ''}`)).toEqual(['connection_refused 400']);
    expect(result.url).toContain('/socket.io/?EIO=4&transport=polling');
    // The handshake GET has no sid, every later request has the one the open packet gave.
    expect(server.polls[0]).toEqual({ method: 'GET', eio: '4', sid: false });
    expect(server.polls.slice(1).every((p) => p.sid)).toBe(true);
    expect(server.polls.some((p) => p.method === 'POST')).toBe(true);
    // Packets sent together share a POST, joined by the record separator.
    expect(server.pollingPosts).toContain('40\x1e40/admin,');
    expectCapturedEmits();
    expect(server.orders).toBe(ordersBefore);
    expect(server.pongs - pongsBefore).toBeGreaterThanOrEqual(2);
    const kinds = expectCapturedKinds(result);
    expect(kinds['receive:socket.io open']).toBe(1);
    expect(kinds['receive:socket.io connect']).toBe(2);
    // The session was closed with engine.io's close packet.
    expect(server.pollingPosts.at(-1)).toBe('1');
    // The drift report says how the endpoint was replayed, beside the refusal.
    const md = await readFile(report, 'utf8');
    expect(md).toContain('It was replayed over HTTP long-polling instead.');
    expect(md).toMatch(/\d+ ms \(time, over HTTP long-polling\)/);

    const text = await readFile(out, 'utf8');
    expect(text).not.toContain(SIO_TOKEN);
    expect(text).not.toContain(SIO_SESSION);
    // The live engine.io session id is masked wherever it appears (URLs, the open packet).
    expect(text).not.toMatch(/poll\d/);
    type Entry = {
      request: {
        method: string;
        url: string;
        headers: { name: string; value: string }[];
        postData?: { text: string };
      };
      response: { status: number; content: { text?: string } };
      _resourceType?: string;
      _webSocketMessages?: unknown[];
    };
    const entries = (JSON.parse(text) as { log: { entries: Entry[] } }).log.entries;
    // The refused upgrade first, then the polling requests as plain HTTP entries.
    expect(entries[0]?._resourceType).toBe('websocket');
    expect(entries[0]?.response.status).toBe(400);
    expect(entries[0]?._webSocketMessages).toEqual([]);
    const polls = entries.slice(1);
    expect(polls.length).toBe(server.polls.length);
    expect(polls[0]?.request.url).toMatch(/\/socket\.io\/\?EIO=4&transport=polling&t=/);
    expect(polls[0]?.response.content.text).toMatch(/^0\{"sid":"\*\*\*","upgrades"/);
    expect(polls.slice(1).every((e) => e.request.url.includes('sid=***'))).toBe(true);
    expect(
      polls.every((e) => e.request.headers.find((h) => h.name.toLowerCase() === 'cookie')?.value === '***'),
    ).toBe(true);
    const subscribe = polls.find((e) => e.request.postData?.text.includes('subscribe'));
    expect(subscribe?.request.postData?.text).toContain('42["subscribe",{"topic":"prices","token":"***"}]');
    expect((await runCliInProcess(['har', 'validate', out], { cwd: dir })).code).toBe(0);
  });

  it('replays engine.io 3 over long-polling: length-prefixed payloads, the client pings, the main namespace joined by the server', async () => {
    await analyzedPollingOnly(sioEio3CaptureHar());
    const pingsBefore = server.clientPings;
    const { code, result } = await replay([]);
    expect(code).toBe(1);
    expect(result.transport).toBe('polling');
    expect(result.drifts?.map((d) => `${d.kind} ${d.actual ?? ''}`)).toEqual(['connection_refused 400']);
    expect(server.polls[0]).toEqual({ method: 'GET', eio: '3', sid: false });
    expect(server.clientPings - pingsBefore).toBeGreaterThanOrEqual(2);
    // Engine.io 3 frames each packet with its length; both events went in one POST once `40` arrived.
    const balance = '421["getBalance",{"asset":"BTC"}]';
    const subscribe = sentEvents().find((d) => d.startsWith('42["subscribe"')) as string;
    expect(server.pollingPosts).toContain(`${balance.length}:${balance}${subscribe.length}:${subscribe}`);
    expect(server.received.map((r) => r.data)).not.toContain('40');
    expect(kindsOf(result)['receive:getBalance.ack']).toBe(1);
    expect(kindsOf(result)['receive:price']).toBeGreaterThan(5);
  });

  it('reads a capture that only polled as one socket.io connection, and replays it by polling again though the server also speaks WebSocket', async () => {
    server.changes = {};
    await analyzed(sioPollingCaptureHar());
    type Model = {
      operations: { id: string; pathTemplate: string }[];
      websockets: { id: string; framing: string; kinds: { id: string }[] }[];
    };
    const model = JSON.parse(await readFile(modelPath, 'utf8')) as Model;
    // The polling requests are one socket.io endpoint, not HTTP calls with a stale sid.
    expect(model.operations.filter((o) => o.pathTemplate.includes('socket.io'))).toEqual([]);
    expect(model.websockets.map((w) => `${w.id} ${w.framing}`)).toEqual([`${ENDPOINT} socket.io`]);
    expect(model.websockets[0]?.kinds.map((k) => k.id)).toEqual(
      expect.arrayContaining([
        'send:subscribe',
        'send:getBalance',
        'receive:getBalance.ack',
        'send:/admin:getStatus',
        'receive:/admin:getStatus.ack',
        'receive:price',
      ]),
    );
    server.received.length = 0;
    server.polls.length = 0;
    const upgradesBefore = server.handshakes.length;
    const { code, result } = await replay([]);
    expect(code, JSON.stringify(result)).toBe(0);
    expect(result.kind).toBe('ok');
    expect(result.transport).toBe('polling');
    // No WebSocket attempt: the capture's client polled, so replay polls.
    expect(server.handshakes.length).toBe(upgradesBefore);
    expect(server.polls[0]).toEqual({ method: 'GET', eio: '4', sid: false });
    expectCapturedEmits();
    expectCapturedKinds(result);
  });
});
