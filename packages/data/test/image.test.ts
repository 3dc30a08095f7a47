import jpeg from 'jpeg-js';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { ImageError, decodeImage } from '../src/image';

/** (h, w, 4) test pattern, opaque. */
function pattern(width: number, height: number): Buffer {
  return Buffer.from(Uint8Array.from({ length: width * height * 4 }, (_, i) => (i % 4 === 3 ? 255 : (i * 31) & 0xff)));
}

function png(width: number, height: number): Uint8Array {
  const image = new PNG({ width, height });
  image.data = pattern(width, height);
  return new Uint8Array(PNG.sync.write(image));
}

/** Rewrites IHDR's width and height and its CRC, as a hostile writer would. */
function withSize(bytes: Uint8Array, width: number, height: number): Uint8Array {
  const out = bytes.slice();
  const view = new DataView(out.buffer);
  view.setUint32(16, width);
  view.setUint32(20, height);
  let c = 0xffffffff;
  for (const b of out.subarray(12, 29)) {
    c ^= b;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  }
  view.setUint32(29, (c ^ 0xffffffff) >>> 0);
  return out;
}

function error(bytes: Uint8Array): Error {
  try {
    decodeImage(bytes, 'digit.png');
  } catch (e) {
    expect(e).toBeInstanceOf(ImageError);
    return e as Error;
  }
  throw new Error('expected an ImageError');
}

describe('decodeImage', () => {
  it('decodes a PNG to its RGBA pixels', () => {
    const image = decodeImage(png(5, 3), 'digit.png');
    expect([image.width, image.height]).toEqual([5, 3]);
    expect([...image.rgba]).toEqual([...pattern(5, 3)]);
  });

  it('decodes a JPEG (by signature, whatever the name) to RGBA of the right size', () => {
    const bytes = new Uint8Array(jpeg.encode({ width: 9, height: 7, data: pattern(9, 7) }, 90).data);
    const image = decodeImage(bytes, 'digit.png');
    expect([image.width, image.height, image.rgba.length]).toEqual([9, 7, 9 * 7 * 4]);
  });

  it('refuses more than 100 megapixels from the header, before decoding', () => {
    expect(error(withSize(png(5, 3), 10_001, 10_000)).message).toBe('digit.png: image is 10001x10000 pixels, over the 100 megapixel limit');
  });

  it('refuses a header claiming more pixels than the file can hold', () => {
    expect(error(withSize(png(5, 3), 5000, 5000)).message).toMatch(/^digit\.png: PNG declares 5000x5000 pixels but holds only \d+ bytes of image data/);
  });

  it('refuses an empty image, an unknown format and a truncated file with one line naming the file', () => {
    expect(error(withSize(png(5, 3), 0, 3)).message).toBe('digit.png: image is 0x3 pixels (empty)');
    expect(error(new TextEncoder().encode('GIF89a')).message).toBe('digit.png: not a PNG or JPEG file (unknown signature)');
    const whole = png(28, 28);
    const truncated = error(whole.subarray(0, whole.length - 30)).message;
    expect(truncated).toMatch(/^digit\.png: not a valid PNG \(/);
    expect(truncated).not.toMatch(/\n/);
  });
});
