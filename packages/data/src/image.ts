/**
 * PNG and JPEG decoding for `duet predict` (pngjs, jpeg-js) behind one function that either
 * returns RGBA pixels or throws an `ImageError` naming the file. Node only (pngjs needs Buffer
 * and zlib), so it is not part of the browser entry.
 *
 * The header is read and checked before any decoder runs: at most 100 megapixels, and no more
 * pixels than the file's bytes can possibly encode (deflate expands at most 1032:1; a JPEG spends
 * at least one bit per 8x8 block), so a 1 KB file cannot make a decoder allocate gigabytes.
 */
import { inflateSync } from 'node:zlib';
import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';

/** An image that cannot be decoded: `<fileName>: <problem>`, one line. */
export class ImageError extends Error {
  override name = 'ImageError';
  constructor(readonly fileName: string, problem: string) {
    super(`${fileName}: ${problem}`);
  }
}

export interface DecodedImage {
  width: number;
  height: number;
  /** (height, width, 4) RGBA bytes, row-major. */
  rgba: Uint8Array;
}

/** Largest image accepted, in pixels (100 megapixels; RGBA output 400 MB). */
export const MAX_IMAGE_PIXELS = 100_000_000;
/** Deflate's largest expansion ratio (a stream of one repeated byte). */
const MAX_DEFLATE_RATIO = 1032;
const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
/** Samples per pixel by PNG colour type. */
const PNG_CHANNELS: Record<number, number> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** First line of a library's message, with control characters shown as escapes. */
function reason(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  return (text.split('\n')[0] ?? '').replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`).slice(0, 200);
}

function checkSize(width: number, height: number, fileName: string): void {
  if (width === 0 || height === 0) throw new ImageError(fileName, `image is ${width}x${height} pixels (empty)`);
  if (width * height > MAX_IMAGE_PIXELS) {
    throw new ImageError(fileName, `image is ${width}x${height} pixels, over the ${MAX_IMAGE_PIXELS / 1e6} megapixel limit`);
  }
}

/** Bytes of the raw (filtered) scanlines of a PNG, interlaced or not. */
function pngRawBytes(width: number, height: number, bitsPerPixel: number, interlaced: boolean): number {
  const rows = (w: number, h: number) => (w === 0 || h === 0 ? 0 : h * (1 + Math.ceil((w * bitsPerPixel) / 8)));
  if (!interlaced) return rows(width, height);
  // Adam7 passes: [x0, y0, dx, dy]
  const passes = [[0, 0, 8, 8], [4, 0, 8, 8], [0, 4, 4, 8], [2, 0, 4, 4], [0, 2, 2, 4], [1, 0, 2, 2], [0, 1, 1, 2]];
  return passes.reduce((n, [x0, y0, dx, dy]) => n + rows(Math.ceil((width - x0) / dx), Math.ceil((height - y0) / dy)), 0);
}

function decodePng(bytes: Uint8Array, fileName: string): DecodedImage {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 33 || view.getUint32(8) !== 13 || String.fromCharCode(...bytes.subarray(12, 16)) !== 'IHDR') {
    throw new ImageError(fileName, 'not a valid PNG (no IHDR chunk after the signature)');
  }
  const width = view.getUint32(16);
  const height = view.getUint32(20);
  const depth = bytes[24];
  const channels = PNG_CHANNELS[bytes[25]];
  checkSize(width, height, fileName);
  if (channels === undefined || ![1, 2, 4, 8, 16].includes(depth)) {
    throw new ImageError(fileName, `not a valid PNG (colour type ${bytes[25]} with bit depth ${depth})`);
  }
  const interlaced = bytes[28] === 1;
  // Walk the chunks to total the compressed image data before anything is inflated.
  const idat: Uint8Array[] = [];
  for (let at = 8; at + 8 <= bytes.length; ) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...bytes.subarray(at + 4, at + 8));
    if (type === 'IDAT') idat.push(bytes.subarray(at + 8, Math.min(bytes.length, at + 8 + length)));
    if (at + 12 + length > bytes.length) break; // truncated: pngjs reports it
    if (type === 'IEND') break;
    at += 12 + length;
  }
  const compressed = idat.reduce((n, d) => n + d.length, 0);
  const raw = pngRawBytes(width, height, channels * depth, interlaced);
  if (raw > compressed * MAX_DEFLATE_RATIO + 1024) {
    throw new ImageError(fileName, `PNG declares ${width}x${height} pixels but holds only ${compressed} bytes of image data (truncated or corrupt)`);
  }
  if (interlaced) {
    // NOTE: pngjs inflates interlaced images with no output limit; check the stream first.
    try {
      inflateSync(Buffer.concat(idat), { maxOutputLength: raw });
    } catch (error) {
      throw new ImageError(fileName, `not a valid PNG (image data: ${reason(error)})`);
    }
  }
  let png: PNG;
  try {
    png = PNG.sync.read(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength));
  } catch (error) {
    throw new ImageError(fileName, `not a valid PNG (${reason(error)})`);
  }
  return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

/** Width and height from the first start-of-frame (SOFn) segment. */
function jpegFrameSize(bytes: Uint8Array, fileName: string): { width: number; height: number } {
  for (let at = 2; at + 4 <= bytes.length; ) {
    if (bytes[at] !== 0xff) throw new ImageError(fileName, `not a valid JPEG (no marker at byte ${at})`);
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at++; // fill byte
      continue;
    }
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    // SOF0..SOF15 except DHT (c4), JPG (c8) and DAC (cc)
    if (marker >= 0xc0 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc) {
      if (at + 9 > bytes.length) break;
      return { height: (bytes[at + 5] << 8) | bytes[at + 6], width: (bytes[at + 7] << 8) | bytes[at + 8] };
    }
    if (marker === 0xda || marker === 0xd9) break; // scan data or end before any frame header
    at += 2 + length;
  }
  throw new ImageError(fileName, 'not a valid JPEG (no frame header before the image data)');
}

function decodeJpeg(bytes: Uint8Array, fileName: string): DecodedImage {
  const { width, height } = jpegFrameSize(bytes, fileName);
  checkSize(width, height, fileName);
  const blocks = Math.ceil(width / 8) * Math.ceil(height / 8);
  if (blocks > 8 * bytes.length) {
    throw new ImageError(fileName, `JPEG declares ${width}x${height} pixels but its ${bytes.length} bytes cannot encode them (truncated or corrupt)`);
  }
  try {
    const image = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true, maxResolutionInMP: MAX_IMAGE_PIXELS / 1e6, maxMemoryUsageInMB: 1024 });
    return { width: image.width, height: image.height, rgba: image.data };
  } catch (error) {
    throw new ImageError(fileName, `not a valid JPEG (${reason(error)})`);
  }
}

/**
 * Decodes a PNG or JPEG file (chosen by its signature, not its name) to RGBA.
 * bytes: the whole file -> rgba: (height, width, 4)
 */
export function decodeImage(bytes: Uint8Array, fileName: string): DecodedImage {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return decodePng(bytes, fileName);
  if (bytes.length >= 3 && bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return decodeJpeg(bytes, fileName);
  throw new ImageError(fileName, 'not a PNG or JPEG file (unknown signature)');
}
