/**
 * NumPy/PyTorch broadcasting for the binary op: the output shape, and the same broadcast
 * collapsed to at most 4 dims (adjacent dims that every input treats alike are merged), which
 * is the frame the WGSL indexes in. Pure shape arithmetic, shared by the kernel and reference.
 */

/** The broadcast of two shapes: right-aligned, size-1 dims stretch. Throws when they clash. */
export function broadcastShapes(a: readonly number[], b: readonly number[]): number[] {
  const rank = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let d = 0; d < rank; d++) {
    const da = a[a.length - rank + d] ?? 1;
    const db = b[b.length - rank + d] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new Error(`cannot broadcast shapes [${a.join(', ')}] and [${b.join(', ')}] (dim ${d}: ${da} vs ${db})`);
    }
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** A broadcast in the kernel's 4-D frame. */
export interface Broadcast4 {
  readonly outShape: [number, number, number, number];
  /** Each input's shape in the frame: the output's extent, or 1 where it is broadcast. */
  readonly aShape: [number, number, number, number];
  readonly bShape: [number, number, number, number];
  /** Element strides of each input in the frame, 0 along its broadcast dims. */
  readonly aStrides: [number, number, number, number];
  readonly bStrides: [number, number, number, number];
  /** How the kernels index each input (see inputMode). */
  readonly aMode: InputMode;
  readonly bMode: InputMode;
}

/** Index shortcuts of binary.wgsl: 0 general broadcast, 1 shaped like the output (index i), 2 one element (index 0). */
export type InputMode = 0 | 1 | 2;

function inputMode(shape: Broadcast4['outShape'], outShape: Broadcast4['outShape']): InputMode {
  if (shape.every((d, i) => d === outShape[i])) return 1;
  return shape.every((d) => d === 1) ? 2 : 0;
}

/** Collapses the broadcast of `a` and `b` to 4 dims; throws when it needs more. */
export function collapseBroadcast(a: readonly number[], b: readonly number[]): Broadcast4 {
  const out = broadcastShapes(a, b);
  const rank = out.length;
  // One entry per output dim of extent > 1: its extent and whether each input spans it.
  const dims: { size: number; aFull: boolean; bFull: boolean }[] = [];
  for (let d = 0; d < rank; d++) {
    if (out[d] === 1) continue;
    const aFull = (a[a.length - rank + d] ?? 1) !== 1;
    const bFull = (b[b.length - rank + d] ?? 1) !== 1;
    const last = dims[dims.length - 1];
    if (last && last.aFull === aFull && last.bFull === bFull) last.size *= out[d];
    else dims.push({ size: out[d], aFull, bFull });
  }
  if (dims.length > 4) {
    throw new Error(`binary: broadcasting [${a.join(', ')}] with [${b.join(', ')}] needs ${dims.length} dims after collapsing; the kernel takes 4`);
  }
  while (dims.length < 4) dims.unshift({ size: 1, aFull: true, bFull: true });
  const outShape = dims.map((d) => d.size) as Broadcast4['outShape'];
  const aShape = dims.map((d) => (d.aFull ? d.size : 1)) as Broadcast4['aShape'];
  const bShape = dims.map((d) => (d.bFull ? d.size : 1)) as Broadcast4['bShape'];
  return {
    outShape, aShape, bShape, aStrides: stridesOf(aShape), bStrides: stridesOf(bShape),
    aMode: inputMode(aShape, outShape), bMode: inputMode(bShape, outShape),
  };
}

/** Row-major strides, 0 along size-1 dims (so they broadcast). */
function stridesOf(shape: Broadcast4['outShape']): Broadcast4['aStrides'] {
  const strides: Broadcast4['aStrides'] = [0, 0, 0, 0];
  let step = 1;
  for (let d = 3; d >= 0; d--) {
    strides[d] = shape[d] === 1 ? 0 : step;
    step *= shape[d];
  }
  return strides;
}
