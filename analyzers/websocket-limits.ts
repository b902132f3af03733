/**
 * The bounds of the WebSocket analysis, so that millions of frames cost counters, not memory.
 */

/** Message groups tracked per endpoint before further ones fold into `(other)`. */
export const MAX_FINE_KEYS = 400;
/** Evidence items kept per message kind, subscription and correlation. */
export const MAX_EVIDENCE = 3;
/** Latencies and heartbeat intervals kept per endpoint for their medians. */
export const MAX_SAMPLES = 200;
/** Subscriptions tracked per connection for linking (the latest win). */
export const MAX_CONN_SUBS = 50;
/** Outstanding request ids (and handed-back subscription ids) tracked per connection. */
export const MAX_PENDING = 10_000;
