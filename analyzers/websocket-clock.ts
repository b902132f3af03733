/**
 * The clock of a connection's frame times. Producers differ: DevTools writes epoch seconds, some tools
 * epoch milliseconds, CDP recorders monotonic seconds; the first timed frames tell which, and monotonic
 * times are anchored at the entry's start.
 */
import type { Observation } from './observe.js';
import type { WebSocketEndpointModel } from './types.js';
import { frameTime } from './websocket-frames.js';

export type FrameClock = WebSocketEndpointModel['frameClock'];

/** The clock of `frames`, and a reader of a frame's time in epoch milliseconds (NaN when it has none). */
export function frameClock(
  frames: unknown[],
  obs: Observation,
): { clock: FrameClock; timeOf: (raw: unknown) => number } {
  let clock: FrameClock = 'none';
  let scale = 1000;
  let offset = 0;
  for (let i = 0; i < Math.min(frames.length, 20); i++) {
    const t = frameTime(frames[i]);
    if (Number.isNaN(t)) continue;
    if (t > 1e11) {
      clock = 'epoch-millis';
      scale = 1;
    } else if (t > 1e8) clock = 'epoch-seconds';
    else {
      clock = 'monotonic';
      offset = (Number.isFinite(obs.time) ? obs.time : 0) - t * 1000;
    }
    break;
  }
  const timeOf = (raw: unknown): number => {
    const t = frameTime(raw);
    return Number.isNaN(t) || clock === 'none' ? Number.NaN : t * scale + offset;
  };
  return { clock, timeOf };
}
