/**
 * A user's digit (a drawing on the page, a photo for `duet predict`) made to look like an MNIST
 * sample: 28x28 grey bytes, bright ink on black, the ink's bounding box scaled to fit 20x20
 * keeping its aspect, then placed so its centre of mass sits at the frame's centre (LeCun's
 * recipe for the NIST digits). One pure function, so the page and the CLI cannot drift apart.
 */

/** RGBA bytes, (height, width, 4) row-major: a canvas's ImageData or decodeImage's result. */
export interface RgbaImage {
  readonly width: number;
  readonly height: number;
  readonly rgba: ArrayLike<number>;
}

export interface MnistStyleOptions {
  /** Ink level (0..1, after inversion) a pixel needs to count for the bounding box. Default 0.1. */
  readonly threshold?: number;
}

export interface MnistStyle {
  /** (28, 28) grey bytes, row-major, 255 = full ink. */
  readonly pixels: Uint8Array;
  /** Whether the source was dark ink on a light background (and was inverted). */
  readonly inverted: boolean;
  /** The ink's bounding box in the source image: [x0, y0, x1, y1), pixels. */
  readonly box: readonly [number, number, number, number];
  /** Centre of mass of `pixels` (x, y), in pixel units with pixel i covering [i, i + 1). */
  readonly centre: readonly [number, number];
}

export const MNIST_SIZE = 28;
/** The side the ink's longer extent is scaled to (MNIST's 20 of 28). */
export const MNIST_BOX = 20;

/**
 * rgba -> an MNIST-style 28x28 image, or null when there is no ink at all. Transparent pixels
 * count as white paper. The background is whichever the border is: a border brighter than mid
 * grey means dark ink, which is inverted.
 */
export function mnistStyle(image: RgbaImage, options: MnistStyleOptions = {}): MnistStyle | null {
  const { width, height } = image;
  if (!(Number.isInteger(width) && Number.isInteger(height) && width > 0 && height > 0)) {
    throw new Error(`mnistStyle: bad image size ${width}x${height}`);
  }
  if (image.rgba.length !== width * height * 4) {
    throw new Error(`mnistStyle: ${image.rgba.length} bytes do not hold ${width}x${height} RGBA pixels`);
  }
  const threshold = options.threshold ?? 0.1;
  const grey = toGrey(image);
  const inverted = borderMean(grey, width, height) > 0.5;
  if (inverted) for (let i = 0; i < grey.length; i++) grey[i] = 1 - grey[i];

  let x0 = width, y0 = height, x1 = 0, y1 = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (grey[y * width + x] <= threshold) continue;
      x0 = Math.min(x0, x); y0 = Math.min(y0, y);
      x1 = Math.max(x1, x + 1); y1 = Math.max(y1, y + 1);
    }
  }
  if (x1 <= x0) return null;

  // Scale the box so its longer side is 20 pixels, keeping aspect (a "1" stays thin).
  const boxW = x1 - x0, boxH = y1 - y0;
  const scale = MNIST_BOX / Math.max(boxW, boxH);
  const outW = Math.max(1, Math.round(boxW * scale)), outH = Math.max(1, Math.round(boxH * scale));
  const small = areaResample(grey, width, x0, y0, boxW, boxH, outW, outH);

  // Integer shift that brings the centre of mass to (14, 14), clamped so no ink leaves the frame.
  const [cx, cy] = centreOfMass(small, outW, outH);
  const dx = clamp(Math.round(MNIST_SIZE / 2 - cx), 0, MNIST_SIZE - outW);
  const dy = clamp(Math.round(MNIST_SIZE / 2 - cy), 0, MNIST_SIZE - outH);
  const pixels = new Uint8Array(MNIST_SIZE * MNIST_SIZE);
  for (let y = 0; y < outH; y++) {
    for (let x = 0; x < outW; x++) {
      pixels[(y + dy) * MNIST_SIZE + x + dx] = Math.round(clamp(small[y * outW + x], 0, 1) * 255);
    }
  }
  return { pixels, inverted, box: [x0, y0, x1, y1], centre: centreOfMass(pixels, MNIST_SIZE, MNIST_SIZE) };
}

/** Luma (BT.601) in [0, 1], composited over white by alpha. */
function toGrey(image: RgbaImage): Float32Array {
  const n = image.width * image.height;
  const grey = new Float32Array(n);
  const p = image.rgba;
  for (let i = 0; i < n; i++) {
    const a = p[4 * i + 3] / 255;
    const luma = (0.299 * p[4 * i] + 0.587 * p[4 * i + 1] + 0.114 * p[4 * i + 2]) / 255;
    grey[i] = a * luma + (1 - a);
  }
  return grey;
}

function borderMean(grey: Float32Array, width: number, height: number): number {
  let sum = 0, count = 0;
  for (let x = 0; x < width; x++) {
    sum += grey[x] + grey[(height - 1) * width + x];
    count += 2;
  }
  for (let y = 1; y < height - 1; y++) {
    sum += grey[y * width] + grey[y * width + width - 1];
    count += 2;
  }
  return sum / count;
}

/**
 * Box-filter resampling of the (boxW, boxH) window at (x0, y0) to (outW, outH): each output
 * pixel is the exact area-weighted mean of the source pixels it covers, so thin strokes fade
 * instead of vanishing when a large drawing shrinks (no aliasing), and a small one grows blocky.
 */
function areaResample(src: Float32Array, srcW: number, x0: number, y0: number, boxW: number, boxH: number, outW: number, outH: number): Float32Array {
  const xs = coverage(boxW, outW), ys = coverage(boxH, outH);
  const out = new Float32Array(outW * outH);
  for (let oy = 0; oy < outH; oy++) {
    for (let ox = 0; ox < outW; ox++) {
      let sum = 0, area = 0;
      for (const [sy, wy] of ys[oy]) {
        const row = (y0 + sy) * srcW + x0;
        for (const [sx, wx] of xs[ox]) {
          sum += src[row + sx] * wx * wy;
          area += wx * wy;
        }
      }
      out[oy * outW + ox] = sum / area;
    }
  }
  return out;
}

/** For each of `n` output cells over `length` source pixels: [source index, overlap] pairs. */
function coverage(length: number, n: number): [number, number][][] {
  const step = length / n;
  const cells: [number, number][][] = [];
  for (let o = 0; o < n; o++) {
    const lo = o * step, hi = (o + 1) * step;
    const cell: [number, number][] = [];
    for (let s = Math.floor(lo); s < Math.min(length, Math.ceil(hi)); s++) {
      const overlap = Math.min(hi, s + 1) - Math.max(lo, s);
      if (overlap > 1e-9) cell.push([s, overlap]);
    }
    cells.push(cell);
  }
  return cells;
}

/** Intensity-weighted mean position (x, y), pixel i spanning [i, i + 1); the middle for no mass. */
export function centreOfMass(values: ArrayLike<number>, width: number, height: number): [number, number] {
  let mass = 0, mx = 0, my = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const v = values[y * width + x];
      mass += v;
      mx += v * (x + 0.5);
      my += v * (y + 0.5);
    }
  }
  return mass > 0 ? [mx / mass, my / mass] : [width / 2, height / 2];
}

function clamp(v: number, lo: number, hi: number): number {
  return Math.min(hi, Math.max(lo, v));
}
