/** Host-side initial weights shared by the JS peers: uniform(±1/sqrt(fan_in)), PyTorch's default bound. */
import { seededValues } from '../check';
import type { LayerSpec, TrainWorkload } from '../workloads';

export interface HostLayerParams {
  readonly layer: number;
  /** conv2d: (out, in, k, k); linear: (in, out) (x @ w, no transpose at run time). */
  readonly weight: Float32Array;
  readonly weightShape: number[];
  readonly bias: Float32Array;
}

export function hostParams(w: TrainWorkload): HostLayerParams[] {
  const out: HostLayerParams[] = [];
  w.layers.forEach((spec: LayerSpec, layer) => {
    if (spec.kind !== 'conv2d' && spec.kind !== 'linear') return;
    const fanIn = spec.kind === 'conv2d' ? spec.in * spec.kernel * spec.kernel : spec.in;
    const shape = spec.kind === 'conv2d' ? [spec.out, spec.in, spec.kernel, spec.kernel] : [spec.in, spec.out];
    const bound = 1 / Math.sqrt(fanIn);
    const weight = seededValues(shape.reduce((p, d) => p * d, 1), 100 + layer).map((v) => v * bound);
    const bias = seededValues(spec.out, 200 + layer).map((v) => v * bound);
    out.push({ layer, weight, weightShape: shape, bias });
  });
  return out;
}

/** One-hot labels (B, classes) as float32. */
export function oneHot(labels: Uint32Array, classes: number): Float32Array {
  const out = new Float32Array(labels.length * classes);
  labels.forEach((c, i) => (out[i * classes + c] = 1));
  return out;
}
