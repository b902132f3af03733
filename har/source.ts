/**
 * Opening a HAR: compression by magic bytes (not by extension: a `.har` may be gzip, a `.zhar` is zlib),
 * text encoding (UTF-16 LE/BE, as Fiddler and PowerShell write it, is converted to UTF-8 on the fly,
 * after decompression and before the scanner), and a clear description of what a file is when it is not
 * a HAR at all.
 */
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { Transform, type TransformCallback } from 'node:stream';
import { StringDecoder } from 'node:string_decoder';
import { constants, createGunzip, createInflate } from 'node:zlib';
import { HarError, fileError } from '../core/index.js';

/** How the file is stored: plain JSON, gzip (`.har.gz`) or zlib (mitmproxy's `.zhar`). */
export type HarCompression = 'none' | 'gzip' | 'zlib';

/** The text encoding of the (decompressed) file. HAR 1.2 says UTF-8; UTF-16 is converted while reading. */
export type HarTextEncoding = 'utf-8' | 'utf-16le' | 'utf-16be';

export interface HarSource {
  compression: HarCompression;
  /**
   * The file's text encoding, known once the first chunk has been read (for a compressed file the
   * encoding is that of the decompressed bytes). `chunks` are always UTF-8: a UTF-16 file is converted,
   * so byte offsets downstream are offsets into the UTF-8 text.
   */
  readonly encoding: HarTextEncoding | undefined;
  /** Size on disk in bytes (compressed size for gzip and zlib). */
  fileSize: number;
  /** Decompressed chunks, UTF-8. */
  chunks: AsyncIterator<Buffer>;
  /** Stops reading and releases the file. */
  close(): void;
}

const JSON_START = new Set([0x7b, 0x20, 0x0a, 0x0d, 0x09]);

/**
 * UTF-16 from the first bytes: a byte order mark (FF FE little-endian, FE FF big-endian), or, without one,
 * a JSON object's first character (`{` or whitespace) with a zero high byte. Undefined: not UTF-16.
 */
export function detectUtf16(head: Uint8Array): 'utf-16le' | 'utf-16be' | undefined {
  if (head.length >= 2 && head[0] === 0xff && head[1] === 0xfe) {
    // FF FE 00 00 is UTF-32 LE, which no HAR producer writes: left to the "not a HAR" message.
    return head.length >= 4 && head[2] === 0 && head[3] === 0 ? undefined : 'utf-16le';
  }
  if (head.length >= 2 && head[0] === 0xfe && head[1] === 0xff) return 'utf-16be';
  if (head.length < 4) return undefined;
  if (JSON_START.has(head[0]!) && head[1] === 0 && head[3] === 0) return 'utf-16le';
  if (head[0] === 0 && JSON_START.has(head[1]!) && head[2] === 0) return 'utf-16be';
  return undefined;
}

/**
 * A Transform that passes UTF-8 through and converts UTF-16 (LE or BE, with or without a byte order mark)
 * to UTF-8, chunk by chunk: memory is one chunk plus at most one odd byte and half a surrogate pair. The
 * encoding is told by the constructor or, when undefined, sniffed from the first 4 bytes. The byte order
 * mark is dropped; a file cut inside a character ends with U+FFFD (the reader then salvages what was
 * complete, as for any truncated HAR).
 */
export class Utf16ToUtf8 extends Transform {
  private mode: HarTextEncoding | undefined;
  private head: Buffer[] = [];
  private headBytes = 0;
  private odd: number | undefined;
  private readonly decoder = new StringDecoder('utf16le');
  private atStart = true;

  constructor(encoding?: HarTextEncoding) {
    super();
    this.mode = encoding;
  }

  /** The encoding in use (undefined until the first bytes were seen). */
  get encoding(): HarTextEncoding | undefined {
    return this.mode;
  }

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.mode === undefined) {
      this.head.push(chunk);
      this.headBytes += chunk.length;
      if (this.headBytes < 4) return callback();
      this.decide();
      const first = Buffer.concat(this.head);
      this.head = [];
      this.convert(first);
    } else this.convert(chunk);
    callback();
  }

  override _flush(callback: TransformCallback): void {
    if (this.mode === undefined) {
      this.decide();
      const rest = Buffer.concat(this.head);
      this.head = [];
      if (rest.length > 0) this.convert(rest);
    }
    if (this.mode !== 'utf-8') {
      // A file cut inside a code unit or a surrogate pair: what is left is one replacement character.
      let tail = this.decoder.end();
      if (this.odd !== undefined) tail += '\ufffd';
      this.odd = undefined;
      if (tail) this.push(Buffer.from(tail, 'utf8'));
    }
    callback();
  }

  private decide(): void {
    this.mode = detectUtf16(Buffer.concat(this.head)) ?? 'utf-8';
  }

  private convert(chunk: Buffer): void {
    if (this.mode === 'utf-8') {
      this.push(chunk);
      return;
    }
    let bytes = chunk;
    if (this.odd !== undefined) {
      bytes = Buffer.allocUnsafe(chunk.length + 1);
      bytes[0] = this.odd;
      chunk.copy(bytes, 1);
      this.odd = undefined;
    }
    if (bytes.length % 2 === 1) {
      this.odd = bytes[bytes.length - 1];
      bytes = bytes.subarray(0, bytes.length - 1);
    }
    if (bytes.length === 0) return;
    // Big-endian: swap each code unit into a copy (the chunk may be shared), then decode as little-endian.
    if (this.mode === 'utf-16be') bytes = Buffer.from(bytes).swap16();
    let text = this.decoder.write(bytes);
    if (this.atStart && text.length > 0) {
      this.atStart = false;
      if (text.charCodeAt(0) === 0xfeff) text = text.slice(1);
    }
    if (text.length > 0) this.push(Buffer.from(text, 'utf8'));
  }
}

/** Known magic numbers of files people hand us by mistake, for the "not a HAR" message. */
const MAGIC: { bytes: number[]; what: string }[] = [
  { bytes: [0x50, 0x4b, 0x03, 0x04], what: 'a ZIP archive (unzip it first; HAR files are plain JSON)' },
  { bytes: [0x28, 0xb5, 0x2f, 0xfd], what: 'zstd-compressed data (decompress it first: zstd -d)' },
  { bytes: [0x42, 0x5a, 0x68], what: 'bzip2-compressed data (decompress it first: bunzip2)' },
  { bytes: [0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00], what: 'xz-compressed data (decompress it first: unxz)' },
  { bytes: [0x25, 0x50, 0x44, 0x46], what: 'a PDF document' },
  { bytes: [0x89, 0x50, 0x4e, 0x47], what: 'a PNG image' },
  { bytes: [0xff, 0xd8, 0xff], what: 'a JPEG image' },
  { bytes: [0x53, 0x51, 0x4c, 0x69, 0x74, 0x65, 0x20, 0x66], what: 'an SQLite database' },
  {
    bytes: [0xac, 0xed],
    what: 'a Java serialized object (a Charles .chls session? export it as HAR instead)',
  },
  {
    bytes: [0x0a, 0x0d, 0x0d, 0x0a],
    what: 'a pcapng packet capture (HAR is exported by a browser or proxy)',
  },
  { bytes: [0xd4, 0xc3, 0xb2, 0xa1], what: 'a pcap packet capture (HAR is exported by a browser or proxy)' },
];

function startsWith(buf: Buffer, bytes: number[]): boolean {
  if (buf.length < bytes.length) return false;
  for (let i = 0; i < bytes.length; i++) if (buf[i] !== bytes[i]) return false;
  return true;
}

function isZlibHeader(b0: number | undefined, b1: number | undefined): boolean {
  // RFC 1950: CM=8 (deflate), CINFO<=7, and the 16-bit header is a multiple of 31.
  if (b0 === undefined || b1 === undefined) return false;
  return (b0 & 0x0f) === 8 && b0 >> 4 <= 7 && ((b0 << 8) | b1) % 31 === 0;
}

/** Says what the first bytes of a (decompressed) file look like when they are not a JSON object. */
export function describeHarBytes(head: Buffer): string {
  for (const m of MAGIC) if (startsWith(head, m.bytes)) return m.what;
  if (
    head.length >= 2 &&
    ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))
  ) {
    return 'UTF-16 text (HAR must be UTF-8: re-save the file as UTF-8)';
  }
  if (head.length >= 4 && ((head[1] === 0 && head[3] === 0) || (head[0] === 0 && head[2] === 0))) {
    return 'UTF-16 text without a byte order mark (HAR must be UTF-8: re-save the file as UTF-8)';
  }
  let start = 0;
  if (startsWith(head, [0xef, 0xbb, 0xbf])) start = 3;
  while (start < head.length && [0x20, 0x0a, 0x0d, 0x09].includes(head[start]!)) start++;
  if (start >= head.length) return 'empty (only whitespace)';
  const text = head.subarray(start, start + 200).toString('utf8');
  const lower = text.toLowerCase();
  const first = text[0];
  if (first === '<') {
    if (lower.startsWith('<!doctype html') || lower.startsWith('<html')) return 'an HTML page';
    if (lower.startsWith('<?xml')) return 'an XML document';
    return 'HTML or XML markup';
  }
  if (first === '[') return 'a JSON array, not an object with log.entries';
  if (first === '{') return 'a JSON object';
  if (first === '"' || /^(-?\d|true|false|null)/.test(text)) return 'a JSON value that is not an object';
  let control = 0;
  const sample = head.subarray(start, start + 512);
  for (const b of sample) if (b < 0x09 || (b > 0x0d && b < 0x20)) control++;
  if (control > 0) return 'binary data';
  const preview = text.split(/\r?\n/)[0]!.slice(0, 40);
  return `text that is not JSON (starts with ${JSON.stringify(preview)})`;
}

/** Opens `path` for streaming: detects compression and returns decompressed chunks. */
export async function openHarSource(path: string, chunkSize: number): Promise<HarSource> {
  let fileSize: number;
  const head = Buffer.alloc(16);
  let headLength = 0;
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw Object.assign(new Error('is a directory'), { code: 'EISDIR' });
    fileSize = info.size;
    const handle = await open(path, 'r');
    try {
      headLength = (await handle.read(head, 0, 16, 0)).bytesRead;
    } finally {
      await handle.close();
    }
  } catch (error) {
    throw fileError(path, error) ?? error;
  }
  if (headLength === 0) {
    throw new HarError('empty', `${path}: empty file (0 bytes), not a HAR.`, {
      hint: 'Export the capture again; the export may have failed.',
    });
  }
  const first = head.subarray(0, headLength);
  let compression: HarCompression = 'none';
  if (first[0] === 0x1f && first[1] === 0x8b) compression = 'gzip';
  else if (isZlibHeader(first[0], first[1])) compression = 'zlib';
  const raw = createReadStream(path, { highWaterMark: chunkSize });
  let stream: NodeJS.ReadableStream & { destroy(error?: Error): void } = raw;
  const stages: { destroy(error?: Error): void }[] = [raw];
  if (compression !== 'none') {
    // Z_SYNC_FLUSH at the end: a truncated compressed file yields everything before the cut instead of an error.
    const options = { chunkSize, finishFlush: constants.Z_SYNC_FLUSH };
    const inflater = compression === 'gzip' ? createGunzip(options) : createInflate(options);
    raw.on('error', (error) => inflater.destroy(error));
    raw.pipe(inflater);
    stream = inflater;
    stages.push(inflater);
  }
  // A plain file tells its encoding by its first bytes; a compressed one only once decompressed, so its
  // stream always goes through the converter (a pass-through for UTF-8).
  const known = compression === 'none' ? detectUtf16(first) : undefined;
  let converter: Utf16ToUtf8 | undefined;
  if (compression !== 'none' || known !== undefined) {
    converter = new Utf16ToUtf8(known);
    const upstream = stream;
    upstream.on('error', (error: Error) => converter?.destroy(error));
    upstream.pipe(converter);
    stream = converter;
    stages.push(converter);
  }
  const iterator = (stream as AsyncIterable<Buffer>)[Symbol.asyncIterator]();
  return {
    compression,
    get encoding(): HarTextEncoding | undefined {
      return converter ? converter.encoding : 'utf-8';
    },
    fileSize,
    chunks: iterator,
    close() {
      for (const stage of stages) stage.destroy();
    },
  };
}
