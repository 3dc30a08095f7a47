import { describe, expect, it } from 'vitest';
import { centreOfMass, MNIST_SIZE, mnistStyle, type RgbaImage } from '../src/index';

/** A white (or `paper`) RGBA canvas with filled rectangles of `ink`. */
function canvas(width: number, height: number, rects: [number, number, number, number][], ink = 0, paper = 255): RgbaImage {
  const rgba = new Uint8Array(width * height * 4);
  for (let i = 0; i < width * height; i++) rgba.set([paper, paper, paper, 255], 4 * i);
  for (const [x0, y0, x1, y1] of rects) {
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) rgba.set([ink, ink, ink, 255], 4 * (y * width + x));
  }
  return { width, height, rgba };
}

function inkBox(pixels: Uint8Array): [number, number, number, number] {
  let x0 = MNIST_SIZE, y0 = MNIST_SIZE, x1 = 0, y1 = 0;
  for (let y = 0; y < MNIST_SIZE; y++) {
    for (let x = 0; x < MNIST_SIZE; x++) {
      if (!pixels[y * MNIST_SIZE + x]) continue;
      x0 = Math.min(x0, x); y0 = Math.min(y0, y); x1 = Math.max(x1, x + 1); y1 = Math.max(y1, y + 1);
    }
  }
  return [x0, y0, x1, y1];
}

describe('mnistStyle', () => {
  it('inverts dark ink on white, scales the longer side to 20 keeping aspect, centres the mass', () => {
    // A 10x40 bar (a "1") off to the corner of a 100x80 canvas.
    const out = mnistStyle(canvas(100, 80, [[5, 30, 15, 70]]))!;
    expect(out.inverted).toBe(true);
    expect(out.box).toEqual([5, 30, 15, 70]);
    const [x0, y0, x1, y1] = inkBox(out.pixels);
    expect([x1 - x0, y1 - y0]).toEqual([5, 20]);
    // Integer shifts: the centre lands within half a pixel of (14, 14).
    expect(Math.abs(out.centre[0] - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.abs(out.centre[1] - 14)).toBeLessThanOrEqual(0.5);
    expect(Math.max(...out.pixels)).toBe(255);
  });

  it('keeps bright ink on black as it is, and gives the same image as its inverse', () => {
    const dark = mnistStyle(canvas(50, 50, [[10, 10, 40, 16], [30, 16, 36, 45]], 0, 255))!;
    const bright = mnistStyle(canvas(50, 50, [[10, 10, 40, 16], [30, 16, 36, 45]], 255, 0))!;
    expect(bright.inverted).toBe(false);
    expect(Array.from(bright.pixels)).toEqual(Array.from(dark.pixels));
  });

  it('averages areas when shrinking: a 1-pixel line on a 200-pixel box turns grey, not lost', () => {
    // An L: a thick vertical bar plus a 1-pixel horizontal line 200 wide.
    const out = mnistStyle(canvas(220, 220, [[10, 10, 30, 210], [10, 209, 210, 210]]))!;
    const [, , , y1] = inkBox(out.pixels);
    const lastRow = Array.from(out.pixels.subarray((y1 - 1) * MNIST_SIZE, y1 * MNIST_SIZE));
    const grey = lastRow.filter((v) => v > 0 && v < 255);
    expect(grey.length).toBeGreaterThan(10);
    expect(Math.max(...grey)).toBeLessThan(40);
    expect(centreOfMass(out.pixels, MNIST_SIZE, MNIST_SIZE)).toEqual(out.centre);
  });

  it('keeps every bit of ink inside the frame when the mass is far off the box centre', () => {
    // A heavy block at the top and a thin tail: shifting the mass to 14 would push the tail out.
    const out = mnistStyle(canvas(60, 60, [[5, 5, 55, 30], [29, 30, 31, 55]]))!;
    const [x0, y0, x1, y1] = inkBox(out.pixels);
    expect([x1 - x0, y1 - y0]).toEqual([20, 20]);
    expect(y1).toBe(MNIST_SIZE);
    expect(out.centre[1]).toBeLessThan(14);
  });

  it('returns null for a blank canvas and counts transparent pixels as paper', () => {
    expect(mnistStyle(canvas(30, 30, []))).toBeNull();
    expect(mnistStyle({ width: 4, height: 4, rgba: new Uint8Array(64) })).toBeNull();
  });

  it('rejects a size that does not match the bytes', () => {
    expect(() => mnistStyle({ width: 3, height: 3, rgba: new Uint8Array(10) })).toThrow(/do not hold 3x3/);
  });
});
