/**
 * What the analyzers produce (DESIGN.md conventions 4 to 6). Every finding has a kind, a one-sentence
 * summary that reports print as is, evidence as (entry index, JSON Pointer) pairs into the HAR, and a
 * confidence in [0, 1].
 */

/** A place in the input: entry `entry` of capture `capture`, at JSON Pointer `pointer` (RFC 6901) into the entry. */
export interface Evidence {
  /** Index of the capture (HAR file) in the order given to the analysis, from 0. */
  capture: number;
  /** Index of the entry in that capture's `log.entries`, from 0. */
  entry: number;
  /** JSON Pointer into the entry, e.g. `/request/headers/3/value` or `/response/content/text`. */
  pointer: string;
  /** When `pointer` names a body: a JSON Pointer inside the parsed body (`/data/token`). */
  bodyPointer?: string;
}

/** One conclusion, as reports print it. */
export interface Finding {
  /** Stable, dotted: `endpoint.template`, `auth.login`, `pagination.cursor`, `noise.host`, … */
  kind: string;
  /** One sentence, printable as is; never contains a secret value. */
  summary: string;
  evidence: Evidence[];
  /** 0..1: how sure the analyzer is. */
  confidence: number;
  /** The operation the finding is about, when there is one. */
  operationId?: string;
}

/** A JSON Schema (2020-12 subset as used by OpenAPI 3.1), with `x-` evidence annotations. */
export type JsonSchema = { [key: string]: unknown };

/** A parameter of an operation. */
export interface ParameterModel {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required: boolean;
  schema: JsonSchema;
  /** Samples the parameter was seen in, and in how many of the operation's samples. */
  seen: number;
  presence: number;
  /** Up to a few examples, secrets and personal data replaced by `[redacted]`. */
  examples: string[];
  /** For path parameters: why this segment is a parameter. */
  reason?: string;
  confidence?: number;
  /** A credential-like parameter (token, signature, key): see the credentials inventory. */
  credential?: boolean;
  /**
   * `matrix`: a `;name=value` pair inside a path segment (RFC 3986 section 3.3, OpenAPI 3.1 `style: matrix`),
   * e.g. the servlet session in `/cart;jsessionid=…/items`. It is not part of `pathTemplate`; `required`
   * says whether every sample carried it.
   */
  style?: 'matrix';
  /** For a matrix parameter: the 0-based index of the `pathTemplate` segment it is attached to. */
  segment?: number;
}

/** A body (request or response) of one media type. */
export interface BodyModel {
  mediaType: string;
  /** Merged over every sample seen (not only the reservoir). */
  schema: JsonSchema;
  samples: number;
}

export interface ResponseModel {
  status: number;
  samples: number;
  bodies: BodyModel[];
  /** Response headers seen on every sample of this status, beyond the standard ones. */
  headers: string[];
}

/** An RPC operation carried over one URL. */
export interface RpcModel {
  kind: 'graphql' | 'jsonrpc' | 'action';
  /** operationName, JSON-RPC method or the value of the action switch. */
  name: string;
  /** For GraphQL: query, mutation or subscription. For action: the switch's name (`action`, `type`). */
  detail?: string;
}

export interface ClassificationModel {
  /** `session`: the call only issues a credential later calls consume (analyzers/session-issue.ts). */
  effect: 'read' | 'write' | 'session';
  /** Writes are never replayed without the user naming them. */
  unsafeToReplay: boolean;
  reason: string;
  confidence: number;
}

/** An inferred operation: method + host + path template (+ RPC name). */
export interface OperationModel {
  /** Stable id: `get_users_userId`, unique within a model. */
  id: string;
  method: string;
  /** `https://api.example.test`, or `https://{tenant}.us.auth0.com` for a multi-tenant API. */
  origin: string;
  /** Values seen for each `{variable}` of a templated origin (tenant host labels), sorted. */
  originVariables?: Record<string, string[]>;
  pathTemplate: string;
  rpc?: RpcModel;
  samples: number;
  /** Confidence of the template (the lowest of its path parameters, 1 when static). */
  confidence: number;
  parameters: ParameterModel[];
  requestBodies: BodyModel[];
  responses: ResponseModel[];
  classification: ClassificationModel;
  /** The surface (guide step or path vocabulary) the operation belongs to. */
  surface: string;
  /** Guide steps (`_step`) the samples were recorded under. */
  steps: string[];
  /** Credentials consumed (ids in the credentials inventory). */
  credentials: string[];
  /** A bounded, uniformly drawn set of samples (reservoir). */
  evidence: Evidence[];
}

/**
 * `path`: a path segment (a WebSocket `/ws/{listenKey}`); `path-matrix`: a matrix parameter of a path
 * segment (a servlet's `;jsessionid=`); `message`: a field of a sent WebSocket message.
 */
export type CredentialLocation =
  'header' | 'cookie' | 'query' | 'body' | 'authorization' | 'path' | 'path-matrix' | 'message';

/** Where a credential came from. */
export interface IssuanceModel {
  via:
    | 'set-cookie'
    | 'json-field'
    | 'header'
    | 'redirect-param'
    | 'html-meta'
    | 'html-hidden-input'
    | 'relation';
  /** The operation that issued it. */
  operationId?: string;
  /** Cookie, field, header or parameter name at the issuer. */
  name: string;
  /** `value`: the same value was seen; `name`: linked by name and order (redacted captures). */
  linkedBy: 'value' | 'name' | 'relation';
  evidence: Evidence[];
}

export interface CredentialModel {
  /** `cookie:sid`, `header:authorization`, `query:signature`, `body:password`. */
  id: string;
  name: string;
  location: CredentialLocation;
  /** `bearer`, `basic`, `jwt`, `api-key`, `session`, `csrf`, `signature`, `timestamp`, `nonce`, `password`, `refresh-token`, `secret`, `token`. */
  kind: string;
  /** How it varies: one value for every request, one per session, or a fresh value per request. */
  class: 'static' | 'per-session' | 'per-request' | 'unknown';
  distinctValues: number;
  uses: number;
  /** The values were redacted (placeholders or `[REDACTED]`). */
  redacted: boolean;
  issuedBy: IssuanceModel[];
  /** Operations that send it. */
  consumers: string[];
  /** Lifetime in seconds, with where it comes from (`cookie-expiry`, `jwt-exp`, `expires_in`, `max-age`). */
  lifetime?: { seconds: number; source: string };
  /** Operations that issued a replacement value. */
  rotatedBy: string[];
  /** It is a hash or encoding of another credential. */
  derivedFrom?: { credential: string; transform: string; linkedBy: 'value' | 'relation' | 'name' };
  confidence: number;
  evidence: Evidence[];
}

/** A call with a role in the auth flow. */
export interface AuthCallModel {
  /** `session-issue`: an authenticated call that only issues a credential others consume (a listenKey). */
  role: 'login' | 'logout' | 'refresh' | 'csrf-bootstrap' | 'token-exchange' | 'session-issue';
  operationId: string;
  /** Credentials it issues or clears. */
  credentials: string[];
  confidence: number;
  evidence: Evidence[];
}

/** HMAC-style request signing: a signature parameter beside a timestamp and a key. */
export interface SigningModel {
  operationIds: string[];
  signature: string;
  timestamp?: string;
  key?: string;
  /** `hex-64` (HMAC-SHA256 hex), `base64`, … */
  encoding: string;
  confidence: number;
  evidence: Evidence[];
}

export interface AuthModel {
  credentials: CredentialModel[];
  calls: AuthCallModel[];
  signing: SigningModel[];
}

export interface PaginationModel {
  operationId: string;
  style:
    | 'offset-limit'
    | 'page-size'
    | 'cursor'
    | 'link-header'
    | 'time-window'
    | 'id-cursor'
    | 'graphql-pageinfo';
  /** Request parameters that drive it (`offset`, `limit`, `cursor`, `startTime`, `fromId`, `after`). */
  parameters: string[];
  /** For cursors: the response field whose value becomes the next request's parameter. */
  cursorSource?: string;
  /** The response field that says there is more: `total`, `hasMore`, `moreData`, `pageInfo.hasNextPage`. */
  hasMoreField?: string;
  /** Observed: at least two consecutive pages; declared: parameter names only. */
  observed: boolean;
  confidence: number;
  evidence: Evidence[];
}

export interface NoiseModel {
  origin: string;
  reason: 'static-asset' | 'analytics' | 'telemetry' | 'cdn' | 'tracking-pixel';
  entries: number;
  examplePaths: string[];
}

export interface AnalysisWarning {
  code: string;
  message: string;
  evidence?: Evidence[];
}

/** Everything one analysis produced; model/ turns it into a ProtocolModel. */
export interface AnalysisResult {
  operations: OperationModel[];
  auth: AuthModel;
  pagination: PaginationModel[];
  noise: NoiseModel[];
  findings: Finding[];
  warnings: AnalysisWarning[];
  /** WebSocket endpoints and their message kinds (analyzers/websocket.ts); absent when none was seen. */
  websockets?: WebSocketEndpointModel[];
  stats: {
    captures: number;
    entries: number;
    analyzedEntries: number;
    noiseEntries: number;
    bodyBytes: number;
  };
}

/** Frame counts and sizes of one direction (`sizes` in bytes of payload: UTF-8 text, decoded binary). */
export interface WebSocketTrafficModel {
  messages: number;
  bytes: number;
  maxBytes: number;
}

/**
 * One kind of WebSocket message on an endpoint, in one direction: told apart by a discriminator field
 * (`e`, `type`, `op`, …), a JSON-RPC method or correlated response, a socket.io event, or the shape.
 */
export interface WebSocketMessageKindModel {
  /** Unique within the endpoint: `receive:trade`, `send:SUBSCRIBE`, `receive:SUBSCRIBE.result`. */
  id: string;
  direction: 'send' | 'receive';
  /** The name shown and used for types: the discriminator value, method or event name. */
  name: string;
  framing: 'json' | 'socket.io' | 'text';
  /**
   * `event`: data pushed or sent; `subscribe`/`unsubscribe`: a stream request; `request`: carries an id
   * answered by a `response` (or `error`); `control`: protocol housekeeping (socket.io connect, open).
   */
  role: 'event' | 'subscribe' | 'unsubscribe' | 'request' | 'response' | 'error' | 'control';
  /** How it was told apart: `field` (with `discriminator`), `rpc-id`, `socket.io`, `shape` or `text`. */
  by: 'field' | 'rpc-id' | 'socket.io' | 'shape' | 'text';
  /**
   * JSON Pointer of the discriminator inside the message (`/e`, `/data/e`) and its value. For a top-level
   * array (tuple) message, `index` is the element's index (negative: from the end, Kraken `-2`) and
   * `pointer` its name (`[-2]`).
   */
  discriminator?: { pointer: string; value: string; index?: number };
  /** Combined-stream wrapper (`{stream, data}`): the stream names, templated (`{symbol}@trade`). */
  streams?: string[];
  /** Pointer of the payload the schema describes when the message is a wrapper (`/data`). */
  payloadPointer?: string;
  messages: number;
  bytes: number;
  maxBytes: number;
  /** ISO 8601 of the first and last message. */
  firstSeen?: string;
  lastSeen?: string;
  /** Messages per second while connections carrying it were open (undefined with one message). */
  ratePerSecond?: number;
  /** JSON Schema of the message (or of its payload), merged over every message of the kind. */
  schema: JsonSchema;
  confidence: number;
  /** First messages of the kind (pointer `/_webSocketMessages/N/data`), bounded. */
  evidence: Evidence[];
}

/** A subscribe or unsubscribe request and the received kinds it was followed by. */
export interface WebSocketSubscriptionModel {
  /** The send kind (`send:SUBSCRIBE`), or `url` for streams named in the URL (`?streams=a/b`). */
  request: string;
  action: 'subscribe' | 'unsubscribe';
  /** Topics asked for, templated (`{symbol}@trade`), bounded. */
  topics: string[];
  /**
   * Received kinds linked to it: by `topic` (a field of the message equal to a topic), `subscription-id`,
   * `name` or `order`; an `order` link says in `reason` what backs it (a stop after the unsubscribe, or
   * order alone at low confidence).
   */
  links: {
    kind: string;
    linkedBy: 'topic' | 'subscription-id' | 'name' | 'order';
    confidence: number;
    reason?: string;
  }[];
  count: number;
  evidence: Evidence[];
}

/** Requests answered by responses carrying the same id (JSON-RPC, Binance WebSocket API, socket.io acks). */
export interface WebSocketCorrelationModel {
  request: string;
  response: string;
  /** The field carrying the id (`/id`), or `ack` for socket.io acknowledgements. */
  idField: string;
  matched: number;
  /** Requests never answered within the connection. */
  unanswered: number;
  /** Median time from request to response, in ms, when the frame clock allows. */
  medianLatencyMs?: number;
  confidence: number;
  evidence: Evidence[];
}

/** A WebSocket endpoint: URL template, parameters, and the message kinds seen over all its connections. */
export interface WebSocketEndpointModel {
  /** `ws_stream`, `ws_ws_listenKey`: unique in the model, in the namespace of operation ids. */
  id: string;
  /** `wss://stream.example.test` (http(s) upgrades are shown as ws(s)). */
  origin: string;
  pathTemplate: string;
  /** Path parameters (templated like HTTP paths) and query parameters of the handshake. */
  parameters: ParameterModel[];
  connections: number;
  /** `Sec-WebSocket-Protocol` values agreed. */
  subprotocols: string[];
  /** `json`, `socket.io`, `text`, `binary` or `mixed`: the framing of most messages. */
  framing: 'json' | 'socket.io' | 'text' | 'binary' | 'mixed' | 'none';
  /**
   * The discriminator chosen per direction (JSON Pointer), when messages are told apart by a field; and
   * for top-level array (tuple) messages the element index (negative: from the end).
   */
  discriminators: { send?: string; receive?: string; sendIndex?: number; receiveIndex?: number };
  sent: WebSocketTrafficModel;
  received: WebSocketTrafficModel;
  /** Binary frames: counted and sized, not parsed. */
  binary: { sent: WebSocketTrafficModel; received: WebSocketTrafficModel };
  /** Ping/pong and heartbeat frames (text, JSON or opcode 9/10), set aside. */
  heartbeats: { messages: number; forms: string[]; intervalSeconds?: number };
  /** Frames not analyzed: not JSON where JSON was expected, over the size cap, or malformed. */
  unparsed: number;
  /** How frame times were read: `epoch-seconds` (DevTools), `epoch-millis` or `monotonic` (anchored at the entry start). */
  frameClock: 'epoch-seconds' | 'epoch-millis' | 'monotonic' | 'none';
  firstSeen?: string;
  lastSeen?: string;
  kinds: WebSocketMessageKindModel[];
  subscriptions: WebSocketSubscriptionModel[];
  correlations: WebSocketCorrelationModel[];
  /** Credentials used by the handshake or its messages (ids in the credentials inventory); set by model building. */
  credentials: string[];
  steps: string[];
  /** Template confidence (as for operations). */
  confidence: number;
  evidence: Evidence[];
}
