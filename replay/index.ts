/**
 * Replay: re-issue a model's read calls with a live session, to read live data and to re-validate the
 * model (drift). Outcomes are tagged values.
 */
export type * from './types.js';
export { CookieJar, parseCookieFile } from './cookies.js';
export { applyTransform } from './credentials.js';
export { findDrift, type DriftOptions } from './drift.js';
export { planReplay, unknownOperationIds, type PlanStep } from './policy.js';
export { loadReplaySamples, modelDirOf, type SampleSet } from './samples.js';
export { replayModel, evaluateResponse, fillLoginBody } from './engine.js';
export { describeSession, judgeLogin, loginNotHonoured, sessionRefusals } from './login-outcome.js';
export { countItems, nextPage, readPointer } from './paging.js';
export { DEFAULT_RETRY, retryAfterMs, retryDelayMs, TRANSIENT_STATUS, type RetryPolicy } from './retry.js';
export { replayWebSockets, webSocketBase } from './websocket.js';
export { decodeText, matchJsonKind, planMessages } from './websocket-messages.js';
export { engineIoUrl, planSocketIo, type SocketIoPlan } from './websocket-socketio.js';
export { FrameLog, maskFrameText } from './websocket-har.js';
export { pollingUrl } from './websocket-polling.js';
