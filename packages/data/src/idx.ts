/**
 * IDX files (the MNIST container): a 4-byte magic `00 00 <type> <ndims>`, then `ndims` big-endian
 * u32 dimensions, then the data. Pure: no `node:` imports (gzip is handled by the Node side).
 */
import { IdxError } from './errors';

export { IdxError } from './errors';

export interface IdxArray {
  /** Dimensions as stored, outermost first: (N, rows, cols) for images, (N,) for labels. */
  dims: number[];
  /** The unsigned bytes, a view into the input (not a copy). */
  data: Uint8Array;
}

const IDX_TYPES: Record<number, string> = { 0x08: 'unsigned byte', 0x09: 'signed byte', 0x0b: 'short', 0x0c: 'int', 0x0d: 'float', 0x0e: 'double' };

/** Parses an IDX file of unsigned bytes, checking the dimensions against the file length. */
export function parseIdx(bytes: Uint8Array, fileName: string): IdxArray {
  if (bytes.length < 4) throw new IdxError(fileName, `not an IDX file (${bytes.length} bytes)`);
  if (bytes[0] !== 0 || bytes[1] !== 0) {
    const gzip = bytes[0] === 0x1f && bytes[1] === 0x8b ? ' (it is gzip-compressed: name it .gz)' : '';
    throw new IdxError(fileName, `not an IDX file (magic starts ${bytes[0]} ${bytes[1]}, expected 0 0)${gzip}`);
  }
  const type = bytes[2];
  if (type !== 0x08) {
    const name = IDX_TYPES[type] ? ` (${IDX_TYPES[type]})` : '';
    throw new IdxError(fileName, `IDX data type 0x${type.toString(16).padStart(2, '0')}${name} is not supported, only 0x08 (unsigned byte)`);
  }
  const ndims = bytes[3];
  if (ndims === 0) throw new IdxError(fileName, 'IDX header declares 0 dimensions');
  const header = 4 + 4 * ndims;
  if (bytes.length < header) throw new IdxError(fileName, `truncated header: ${ndims} dimensions need ${header} bytes, file has ${bytes.length}`);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const dims = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i, false));
  const expected = dims.reduce((n, d) => n * d, 1); // a float: no u32 overflow before the comparison
  const present = bytes.length - header;
  if (expected !== present) {
    // A corrupt header can declare 255 dimensions: show the first few so the message stays one readable line.
    const shown = dims.length > 8 ? `${dims.slice(0, 8).join('x')}x... (${dims.length} dimensions)` : dims.join('x');
    throw new IdxError(fileName, `dimensions ${shown} need ${expected} bytes of data, the file has ${present}`);
  }
  return { dims, data: bytes.subarray(header) };
}

export interface IdxImages {
  /** (count, rows, cols) pixels 0..255, row-major. */
  images: Uint8Array;
  count: number;
  rows: number;
  cols: number;
}

/** Parses an idx3-ubyte image file. bytes -> images: (N, rows, cols) */
export function parseIdxImages(bytes: Uint8Array, fileName: string): IdxImages {
  const { dims, data } = parseIdx(bytes, fileName);
  if (dims.length !== 3) throw new IdxError(fileName, `expected 3 dimensions (images, rows, cols), found ${dims.length}`);
  return { images: data, count: dims[0], rows: dims[1], cols: dims[2] };
}

/** Parses an idx1-ubyte label file; every label must be below `classes`. bytes -> labels: (N,) */
export function parseIdxLabels(bytes: Uint8Array, fileName: string, classes = 10): Uint8Array {
  const { dims, data } = parseIdx(bytes, fileName);
  if (dims.length !== 1) throw new IdxError(fileName, `expected 1 dimension (labels), found ${dims.length}`);
  const bad = data.findIndex((label) => label >= classes);
  if (bad >= 0) throw new IdxError(fileName, `label ${data[bad]} at index ${bad} is not below ${classes}`);
  return data;
}
