/**
 * The byte scanner under the streaming reader. A general streaming JSON parser (stream-json and kin) builds
 * every token as an event and runs at a few MB/s; this one only tracks what it must: string and escape
 * state and bracket depth. It finds `log.entries`, cuts each element of that array as its exact byte slice
 * (across chunk boundaries), and keeps everything else (the small "remainder": version, creator, pages,
 * extensions, before or after the entries) to be parsed whole at the end. Inside strings it jumps from
 * quote to quote with Buffer.indexOf (memchr), so long bodies cost almost nothing to skip.
 */

import { itemsMarker, stringMarker } from './elision.js';

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const COMMA = 0x2c;
const COLON = 0x3a;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

/** One element of `log.entries`, cut as its exact bytes. */
export interface ScannedElement {
  /** The element's bytes (valid only until the next push). */
  bytes: Buffer;
  /** Byte offset of its first byte in the decompressed file. */
  offset: number;
  /** Position in log.entries, counting every element (parseable or not). */
  index: number;
  /** Set when the element was larger than the cap: its size; `bytes` is then empty (it was not kept). */
  oversize?: number;
  /** How many elision markers (har/elision.ts) the scanner wrote into `bytes`; unset when none. */
  elided?: number;
}

/** What the scanner may leave out of an element too large to keep whole (the reader's `elideLarge`). */
export interface ElisionLimits {
  /** A string longer than this (in bytes) is left out, with a marker. */
  maxStringBytes: number;
  /** An entry-level array past this many kept bytes is thinned (see `keepItem`). */
  arrayBudget: number;
}

/** Where the remainder can be cut and closed into valid JSON if the file ends early. */
interface SafePoint {
  length: number;
  closers: string;
}

/** What the scanner knows once the input has ended. */
export interface ScanResult {
  /** The remainder (everything but the entries' elements), closed into valid JSON when truncated. */
  remainder: string;
  /** True when the root object closed. */
  complete: boolean;
  /** Decompressed bytes seen. */
  bytes: number;
  /** Set when the file ended inside an element: where that element started. */
  partialElementOffset: number | undefined;
  /** Whether a `log` object was opened and an `entries` array found inside it. */
  sawLog: boolean;
  sawEntries: boolean;
  /** Byte offset where non-space data after the root object starts, if any. */
  trailingDataOffset: number | undefined;
  /** Top-level keys and log keys seen (for "not a HAR" messages). */
  rootKeys: string[];
  logKeys: string[];
}

type Mode = 'structure' | 'between' | 'element' | 'done';

/** Raised by the scanner when the bytes cannot be a HAR; the reader turns it into a HarError naming the file. */
export class NotHarSignal extends Error {
  constructor(
    readonly reason: 'not_object' | 'header_too_large' | 'invalid_json',
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export class HarScanner {
  private mode: Mode = 'structure';
  /** Absolute offset of the current chunk's first byte. */
  private base = 0;

  // Structure mode (outside the entries' elements): a byte-at-a-time walk over the small remainder.
  private readonly stack: number[] = [];
  private inString = false;
  private escape = false;
  private expectKey = false;
  private capturingKey = false;
  private keyBytes: number[] = [];
  /** The last key read at each depth (index = depth). */
  private readonly keys: (string | undefined)[] = [];
  private logDepthOpen = false;
  private started = false;
  private readonly remainder: Buffer[] = [];
  private remainderLength = 0;
  private safe: SafePoint | undefined;

  // Element mode.
  private elementDepth = 0;
  private elementInString = false;
  private elementKind: 'container' | 'string' | 'primitive' = 'container';
  private carriedBackslashes = 0;
  private elementPieces: Buffer[] = [];
  private elementOffset = 0;
  private elementIndex = 0;
  /** Bytes of the current element kept in earlier chunks, and whether it went over the cap. */
  private elementKept = 0;
  private elementOversize = false;

  // Elision (only with `elision` set): the open string, and the entry-level array being thinned.
  private stringOpenAbs = 0;
  private stringOpenKept = 0;
  private elidingString = false;
  private topArray = false;
  private arrayOpenKept = 0;
  private itemIndex = 0;
  private skipping = false;
  private skipStartAbs = 0;
  private droppedItems = 0;
  private droppedBytes = 0;
  private elisions = 0;

  readonly rootKeys: string[] = [];
  readonly logKeys: string[] = [];
  sawLog = false;
  sawEntries = false;
  private trailingDataOffset: number | undefined;

  constructor(
    private readonly maxRemainderBytes = 64 * 1024 * 1024,
    private readonly maxElementBytes = 64 * 1024 * 1024,
    private readonly elision?: ElisionLimits,
  ) {}

  /** True once the entries array has been reached (the remainder so far is the log header). */
  get inEntries(): boolean {
    return this.mode === 'between' || this.mode === 'element';
  }

  /** True once the root `{` has been seen. */
  get hasStarted(): boolean {
    return this.started;
  }

  get bytesSeen(): number {
    return this.base;
  }

  /** Scans one chunk, calling `onElement` for each complete element of log.entries. */
  push(chunk: Buffer, onElement: (element: ScannedElement) => void): void {
    let i = 0;
    const n = chunk.length;
    let remainderStart = this.mode === 'structure' ? 0 : -1;
    while (i < n) {
      if (this.mode === 'element') {
        i = this.scanElement(chunk, i, onElement);
        if (this.mode !== 'element') continue;
        break;
      }
      if (this.mode === 'between') {
        const c = chunk[i]!;
        if (isSpace(c) || c === COMMA) {
          i++;
          continue;
        }
        if (c === CLOSE_ARRAY) {
          // The entries array ends: `]` goes into the remainder (it was never pushed on the stack).
          this.mode = 'structure';
          remainderStart = i;
          i++;
          this.expectKey = false;
          this.markSafe(i);
          continue;
        }
        this.startElement(chunk, i);
        continue;
      }
      if (this.mode === 'done') {
        for (; i < n; i++) {
          if (!isSpace(chunk[i]!)) {
            this.trailingDataOffset ??= this.base + i;
            break;
          }
        }
        i = n;
        break;
      }
      // structure
      const enteredAt = this.walkStructure(chunk, i);
      if (enteredAt < 0) {
        i = n;
        break;
      }
      // The entries array opened at enteredAt: keep the remainder up to and including `[`.
      this.appendRemainder(chunk, remainderStart, enteredAt + 1);
      remainderStart = -1;
      this.safe = { length: this.remainderLength, closers: ']' + this.closers() };
      this.mode = 'between';
      this.sawEntries = true;
      i = enteredAt + 1;
    }
    if (remainderStart >= 0 && (this.mode === 'structure' || this.mode === 'done')) {
      this.appendRemainder(chunk, remainderStart, this.doneAt >= 0 ? this.doneAt : n);
    }
    this.doneAt = -1;
    this.base += n;
  }

  /** Index (in the current chunk) just after the root closed, or -1. */
  private doneAt = -1;

  /** Walks structure bytes from `start`; returns the index of the entries `[` or -1 at the end of the chunk. */
  private walkStructure(chunk: Buffer, start: number): number {
    const n = chunk.length;
    const stack = this.stack;
    for (let i = start; i < n; i++) {
      const c = chunk[i]!;
      if (this.inString) {
        if (this.escape) {
          this.escape = false;
          if (this.capturingKey && this.keyBytes.length < 64) this.keyBytes.push(c);
        } else if (c === BACKSLASH) {
          this.escape = true;
          if (this.capturingKey && this.keyBytes.length < 64) this.keyBytes.push(c);
        } else if (c === QUOTE) {
          this.inString = false;
          if (this.capturingKey) {
            this.capturingKey = false;
            const key = String.fromCharCode(...this.keyBytes);
            const depth = stack.length;
            this.keys[depth] = key;
            if (depth === 1 && this.rootKeys.length < 50) this.rootKeys.push(key);
            if (depth === 2 && this.logDepthOpen && this.logKeys.length < 50) this.logKeys.push(key);
          }
        } else if (this.capturingKey && this.keyBytes.length < 64) {
          this.keyBytes.push(c);
        }
        continue;
      }
      if (isSpace(c)) continue;
      if (!this.started) {
        if (c !== OPEN_OBJECT) {
          throw new NotHarSignal('not_object', 'the first value is not a JSON object', this.base + i);
        }
        this.started = true;
      }
      switch (c) {
        case QUOTE: {
          this.inString = true;
          const top = stack[stack.length - 1];
          if (top === OPEN_OBJECT && this.expectKey) {
            this.capturingKey = true;
            this.keyBytes = [];
          }
          break;
        }
        case OPEN_OBJECT:
        case OPEN_ARRAY: {
          const depth = stack.length;
          if (
            c === OPEN_ARRAY &&
            depth === 2 &&
            this.logDepthOpen &&
            this.keys[2] === 'entries' &&
            stack[1] === OPEN_OBJECT
          ) {
            this.keys[2] = undefined;
            return i;
          }
          if (c === OPEN_OBJECT && depth === 1 && this.keys[1] === 'log' && !this.sawLog) {
            this.logDepthOpen = true;
            this.sawLog = true;
          }
          stack.push(c);
          this.expectKey = c === OPEN_OBJECT;
          this.keys[stack.length] = undefined;
          if (stack.length <= 3) this.markSafe(i + 1);
          break;
        }
        case CLOSE_OBJECT:
        case CLOSE_ARRAY: {
          const open = stack.pop();
          if (open === undefined || (open === OPEN_OBJECT) !== (c === CLOSE_OBJECT)) {
            throw new NotHarSignal('invalid_json', `unexpected "${String.fromCharCode(c)}"`, this.base + i);
          }
          if (stack.length === 1 && this.logDepthOpen) this.logDepthOpen = false;
          this.expectKey = false;
          if (stack.length === 0) {
            this.mode = 'done';
            this.doneAt = i + 1;
            // Anything after the root is trailing data; `push` looks at it in done mode.
            for (let j = i + 1; j < n; j++) {
              if (!isSpace(chunk[j]!)) {
                this.trailingDataOffset ??= this.base + j;
                break;
              }
            }
            return -1;
          }
          if (stack.length <= 3) this.markSafe(i + 1);
          break;
        }
        case COMMA:
          if (stack[stack.length - 1] === OPEN_OBJECT) this.expectKey = true;
          if (stack.length <= 3) this.markSafe(i);
          break;
        case COLON:
          this.expectKey = false;
          break;
        default:
          break;
      }
    }
    return -1;
  }

  /** Records a safe cut at index `at` of the current chunk, resolved when the chunk's remainder is kept. */
  private markSafe(at: number): void {
    this.pendingSafe = { at, closers: this.closers() };
  }

  /** A safe point inside the current chunk, resolved to a remainder length when the chunk is appended. */
  private pendingSafe: { at: number; closers: string } | undefined;

  private closers(): string {
    let s = '';
    for (let d = this.stack.length - 1; d >= 0; d--) s += this.stack[d] === OPEN_OBJECT ? '}' : ']';
    return s;
  }

  private appendRemainder(chunk: Buffer, start: number, end: number): void {
    if (this.pendingSafe) {
      const at = Math.min(Math.max(this.pendingSafe.at, start), end);
      this.safe = { length: this.remainderLength + (at - start), closers: this.pendingSafe.closers };
      this.pendingSafe = undefined;
    }
    if (end <= start) return;
    this.remainder.push(Buffer.from(chunk.subarray(start, end)));
    this.remainderLength += end - start;
    if (this.remainderLength > this.maxRemainderBytes) {
      throw new NotHarSignal(
        'header_too_large',
        `more than ${Math.round(this.maxRemainderBytes / 1048576)} MB of JSON outside log.entries`,
        this.base + end,
      );
    }
  }

  private startElement(chunk: Buffer, i: number): void {
    const c = chunk[i]!;
    this.mode = 'element';
    this.elementOffset = this.base + i;
    this.elementPieces = [];
    this.elementKept = 0;
    this.elementOversize = false;
    this.elidingString = false;
    this.topArray = false;
    this.skipping = false;
    this.elisions = 0;
    this.elementStart = i;
    this.elementDepth = 0;
    this.elementInString = false;
    this.carriedBackslashes = 0;
    this.elementKind =
      c === OPEN_OBJECT || c === OPEN_ARRAY ? 'container' : c === QUOTE ? 'string' : 'primitive';
  }

  /** Start of the current element in the current chunk (0 when it began in an earlier chunk). */
  private elementStart = 0;

  /** Scans element bytes; returns where scanning stopped. Switches to `between` when the element ends. */
  private scanElement(chunk: Buffer, start: number, onElement: (element: ScannedElement) => void): number {
    const n = chunk.length;
    let i = start;
    if (this.elementKind === 'primitive') {
      for (; i < n; i++) {
        const c = chunk[i]!;
        if (c === COMMA || c === CLOSE_ARRAY || isSpace(c)) {
          this.emit(chunk, i, onElement);
          return i;
        }
      }
      this.keepPiece(chunk);
      return n;
    }
    let depth = this.elementDepth;
    let inString = this.elementInString;
    if (this.elementKind === 'string' && i === this.elementStart && this.elementPieces.length === 0) {
      // The opening quote of a string element.
      inString = true;
      i++;
    }
    while (i < n) {
      if (inString) {
        const q = chunk.indexOf(QUOTE, i);
        if (q < 0) {
          // The string goes on in the next chunk: remember a trailing run of backslashes.
          let k = n - 1;
          let run = 0;
          while (k >= i && chunk[k] === BACKSLASH) {
            run++;
            k--;
          }
          this.carriedBackslashes = k < i ? this.carriedBackslashes + run : run;
          i = n;
          break;
        }
        let k = q - 1;
        let run = 0;
        while (k >= i && chunk[k] === BACKSLASH) {
          run++;
          k--;
        }
        if (k < i) run += this.carriedBackslashes;
        this.carriedBackslashes = 0;
        i = q + 1;
        if ((run & 1) === 0) {
          inString = false;
          if (
            this.elision &&
            !this.elidingString &&
            !this.skipping &&
            depth > 0 &&
            this.base + q - this.stringOpenAbs > this.elision.maxStringBytes
          ) {
            // Over the cap within one chunk (chunks larger than the cap): cut it here.
            this.startElidedString(chunk, q);
          }
          if (this.elidingString) this.endElidedString(q);
          if (depth === 0) {
            // A string element ended.
            this.emit(chunk, i, onElement);
            return i;
          }
        }
        continue;
      }
      const c = chunk[i++]!;
      if (c === QUOTE) {
        inString = true;
        this.carriedBackslashes = 0;
        if (this.elision) {
          this.stringOpenAbs = this.base + i;
          this.stringOpenKept = this.elementKept + i - this.elementStart;
        }
      } else if (c === OPEN_OBJECT || c === OPEN_ARRAY) {
        depth++;
        if (depth === 2 && this.elision && c === OPEN_ARRAY) this.openTopArray(i);
      } else if (c === CLOSE_OBJECT || c === CLOSE_ARRAY) {
        if (depth === 2 && this.topArray) this.closeTopArray(chunk, i - 1);
        depth--;
        if (depth === 0) {
          this.emit(chunk, i, onElement);
          return i;
        }
      } else if (c === COMMA && depth === 2 && this.topArray) {
        this.topArrayItem(chunk, i - 1);
      }
    }
    this.elementDepth = depth;
    this.elementInString = inString;
    if (
      inString &&
      this.elision &&
      !this.elidingString &&
      !this.skipping &&
      depth > 0 &&
      this.base + n - this.stringOpenAbs > this.elision.maxStringBytes
    ) {
      this.startElidedString(chunk, n);
    }
    this.keepPiece(chunk);
    return n;
  }

  // Elision. Kept bytes are the pieces plus the current chunk from `elementStart`; while a string is elided
  // or items skipped, nothing of the chunk is kept (`elementStart` moves to where keeping resumes).

  /** Keeps the current chunk's bytes from `elementStart` up to `end` as a piece. */
  private flushKept(chunk: Buffer, end: number): void {
    if (end > this.elementStart) {
      // A copy: a thinned array keeps a frame here and there, and a view would pin each whole chunk.
      this.elementPieces.push(Buffer.from(chunk.subarray(this.elementStart, end)));
      this.elementKept += end - this.elementStart;
    }
    this.elementStart = end;
  }

  private pushMarker(marker: Buffer): void {
    this.elementPieces.push(marker);
    this.elementKept += marker.length;
    this.elisions++;
  }

  /** The open string has passed the cap at `end`: drop what was kept of it (after its quote), keep no more. */
  private startElidedString(chunk: Buffer, end: number): void {
    this.flushKept(chunk, end);
    let excess = this.elementKept - this.stringOpenKept;
    while (excess > 0) {
      const last = this.elementPieces[this.elementPieces.length - 1]!;
      if (last.length <= excess) {
        this.elementPieces.pop();
        excess -= last.length;
      } else {
        this.elementPieces[this.elementPieces.length - 1] = last.subarray(0, last.length - excess);
        excess = 0;
      }
    }
    this.elementKept = this.stringOpenKept;
    this.elidingString = true;
  }

  /** The elided string closed at index `q` (its quote) of the current chunk: write the marker, keep on. */
  private endElidedString(q: number): void {
    this.pushMarker(stringMarker(this.base + q - this.stringOpenAbs));
    this.elementStart = q;
    this.elidingString = false;
  }

  private openTopArray(i: number): void {
    this.topArray = true;
    this.arrayOpenKept = this.elementKept + i - this.elementStart;
    this.itemIndex = 0;
    this.droppedItems = 0;
    this.droppedBytes = 0;
  }

  /**
   * Which items of a long entry-level array are kept, by how much of the budget is used: all of them up to
   * half of it, then one in 16, one in 256, one in 4096, then none. The kept frames span the whole session
   * (not only its first minutes) and the array stays within the budget whatever its length.
   */
  private keepItem(index: number, kept: number): boolean {
    const budget = this.elision!.arrayBudget;
    if (kept < budget / 2) return true;
    const stride =
      kept < (budget * 3) / 4 ? 16 : kept < (budget * 7) / 8 ? 256 : kept < (budget * 15) / 16 ? 4096 : 0;
    return stride > 0 && index % stride === 0;
  }

  /** A comma between items of the entry-level array, at index `at` of the current chunk. */
  private topArrayItem(chunk: Buffer, at: number): void {
    this.itemIndex++;
    const kept =
      (this.skipping ? this.elementKept : this.elementKept + at - this.elementStart) - this.arrayOpenKept;
    const keep = this.keepItem(this.itemIndex, kept);
    if (this.skipping) {
      if (keep) {
        this.droppedBytes += this.base + at - this.skipStartAbs;
        this.skipping = false;
        this.elementStart = at;
      } else this.droppedItems++;
    } else if (!keep) {
      this.flushKept(chunk, at);
      this.skipping = true;
      this.skipStartAbs = this.base + at;
      this.droppedItems++;
    }
  }

  /** The entry-level array closes at index `at`: when items were left out, say how many before `]`. */
  private closeTopArray(chunk: Buffer, at: number): void {
    if (this.skipping) {
      this.droppedBytes += this.base + at - this.skipStartAbs;
      this.skipping = false;
      this.elementStart = at;
    } else if (this.droppedItems > 0) this.flushKept(chunk, at);
    if (this.droppedItems > 0) this.pushMarker(itemsMarker(this.droppedItems, this.droppedBytes));
    this.topArray = false;
  }

  private keepPiece(chunk: Buffer): void {
    if (this.elidingString || this.skipping) {
      // Nothing of this chunk is kept; keeping resumes where the string closes or an item is kept.
      this.elementStart = 0;
      return;
    }
    this.elementKept += chunk.length - this.elementStart;
    if (this.elementKept > this.maxElementBytes) {
      // Too big to parse in bounded memory: drop what was kept, keep scanning for its end.
      this.elementOversize = true;
      this.elementPieces = [];
    } else {
      const piece = chunk.subarray(this.elementStart);
      // A small tail (an element starting late in the chunk, a kept frame) is copied rather than pinning the chunk.
      this.elementPieces.push(piece.length * 4 < chunk.length ? Buffer.from(piece) : piece);
    }
    this.elementStart = 0;
  }

  private emit(chunk: Buffer, end: number, onElement: (element: ScannedElement) => void): void {
    if (this.elementOversize || this.elementKept + end - this.elementStart > this.maxElementBytes) {
      const size = this.elementKept + end - this.elementStart;
      this.elementPieces = [];
      this.mode = 'between';
      onElement({
        bytes: Buffer.alloc(0),
        offset: this.elementOffset,
        index: this.elementIndex++,
        oversize: size,
      });
      return;
    }
    const bytes =
      this.elementPieces.length === 0
        ? chunk.subarray(this.elementStart, end)
        : Buffer.concat([...this.elementPieces, chunk.subarray(this.elementStart, end)]);
    this.elementPieces = [];
    this.mode = 'between';
    onElement({
      bytes,
      offset: this.elementOffset,
      index: this.elementIndex++,
      ...(this.elisions > 0 ? { elided: this.elisions } : {}),
    });
  }

  /** Ends the input: returns the remainder (closed when the file was cut short) and what was seen. */
  end(): ScanResult {
    const complete = this.mode === 'done';
    let remainder = Buffer.concat(this.remainder).toString('utf8');
    let partialElementOffset: number | undefined;
    if (this.mode === 'element') partialElementOffset = this.elementOffset;
    if (!complete) {
      if (this.mode === 'element' || this.mode === 'between') {
        remainder = remainder + ']' + this.closers();
      } else if (this.safe) {
        remainder =
          Buffer.concat(this.remainder).subarray(0, this.safe.length).toString('utf8') + this.safe.closers;
      } else {
        remainder = '';
      }
    }
    return {
      remainder,
      complete,
      bytes: this.base,
      partialElementOffset,
      sawLog: this.sawLog,
      sawEntries: this.sawEntries,
      trailingDataOffset: this.trailingDataOffset,
      rootKeys: this.rootKeys,
      logKeys: this.logKeys,
    };
  }

  /** The remainder so far closed into valid JSON (the log header, once the entries array has begun). */
  headerSoFar(): string | undefined {
    if (!this.inEntries) return undefined;
    return Buffer.concat(this.remainder).toString('utf8') + ']' + this.closers();
  }
}
