/**
 * The captured request each operation is replayed from: the first entry of its evidence, read from the
 * captures the model names, in one streaming pass per capture.
 */
import { dirname, isAbsolute, resolve } from 'node:path';
import { isLedgertapError } from '../core/index.js';
import { foldEngineIoPolling, readHar, type HarEntry } from '../har/index.js';
import type { ProtocolModel } from '../model/index.js';

export interface SampleSet {
  /** operation id, `auth:<role>` for the model's auth calls, `ws:<id>` for a WebSocket endpoint's connection → the captured entry. */
  entries: Map<string, HarEntry>;
  /** Captures that are not there (no such file), by path: the calls sampled from them are skipped. */
  missing: string[];
  /** Captures that are there but could not be read, each as `<path>: <reason>`. */
  problems: string[];
}

/**
 * Loads one sample per operation and per auth call. `capturePaths` overrides where each capture is
 * (same order as model.captures); by default the paths recorded in the model, relative to `modelDir`.
 */
export async function loadReplaySamples(
  model: ProtocolModel,
  options: { modelDir?: string; capturePaths?: string[] } = {},
): Promise<SampleSet> {
  const wanted = new Map<number, Map<number, string[]>>();
  const want = (capture: number, entry: number, key: string): void => {
    const byEntry = wanted.get(capture) ?? new Map<number, string[]>();
    byEntry.set(entry, [...(byEntry.get(entry) ?? []), key]);
    wanted.set(capture, byEntry);
  };
  for (const op of model.operations) {
    const ev =
      op.evidence.find((e) => e.pointer === '' || e.pointer.startsWith('/request') || e.pointer === '/') ??
      op.evidence[0];
    if (ev) want(ev.capture, ev.entry, op.id);
  }
  for (const ws of model.websockets ?? []) {
    const ev = ws.evidence.find((e) => e.pointer === '') ?? ws.evidence[0];
    if (ev) want(ev.capture, ev.entry, `ws:${ws.id}`);
  }
  for (const call of model.auth.calls) {
    const op = model.operations.find((o) => o.id === call.operationId);
    const ev = call.evidence[0] ?? op?.evidence[0];
    if (ev) want(ev.capture, ev.entry, `auth:${call.role}`);
  }
  const entries = new Map<string, HarEntry>();
  const problems: string[] = [];
  const missing: string[] = [];
  for (const [captureIndex, byEntry] of wanted) {
    const recorded = model.captures[captureIndex]?.file;
    const given = options.capturePaths?.[captureIndex];
    const path =
      given ??
      (recorded && !isAbsolute(recorded) && options.modelDir
        ? resolve(options.modelDir, recorded)
        : recorded);
    if (!path) {
      problems.push(`capture ${captureIndex} is not named in the model`);
      continue;
    }
    try {
      const reader = await readHar(path);
      const left = new Set(byEntry.keys());
      // Read as analysis read it: engine.io polling folded into the connection whose index the model
      // names. A folded session comes where it ended, possibly after later entries: stop once all are found.
      for await (const record of foldEngineIoPolling(reader.records())) {
        const keys = byEntry.get(record.index);
        if (keys) for (const key of keys) if (!entries.has(key)) entries.set(key, record.entry);
        left.delete(record.index);
        if (left.size === 0) break;
      }
      reader.close();
    } catch (error) {
      if (isNotFound(error)) missing.push(path);
      else {
        // The reader's errors already lead with the path: name it once.
        const message = (error as Error).message;
        problems.push(message.startsWith(`${path}:`) ? message : `${path}: ${message}`);
      }
    }
  }
  return { entries, missing, problems };
}

function isNotFound(error: unknown): boolean {
  return (
    (isLedgertapError(error) && error.code === 'input.not_found') ||
    (error as NodeJS.ErrnoException | undefined)?.code === 'ENOENT'
  );
}

/** Where the model file's captures are looked up by default. */
export function modelDirOf(modelPath: string): string {
  return dirname(resolve(modelPath));
}
