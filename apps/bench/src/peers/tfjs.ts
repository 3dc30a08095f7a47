/**
 * TensorFlow.js with its WebGPU backend (Dawn, same adapter) and its CPU backend. Both live in
 * one process: each turn switches the global backend first (activate), and the warm-up steps
 * move the variables over. Models use tfjs's native NHWC layout: the same layers and sizes.
 * Every measurement ends by reading the last result back, which waits for all queued work.
 */
import { createRequire } from 'node:module';
import { seededValues } from '../check';
import { syntheticBatch, type Trainer, type TrainSession, type TrainWorkload } from '../workloads';
import { installWebGpuGlobals } from './globals';
import { hostParams, oneHot } from './init';

type Tf = typeof import('@tensorflow/tfjs');
export type TfBackend = 'webgpu' | 'cpu';

const requireCjs = createRequire(import.meta.url);
let tf: Tf | null = null;

export async function loadTf(adapter: { backend: string; name: string }, backend: TfBackend): Promise<Tf> {
  if (!tf) {
    installWebGpuGlobals(adapter);
    tf = requireCjs('@tensorflow/tfjs') as Tf;
    requireCjs('@tensorflow/tfjs-backend-webgpu');
  }
  if (!(await tf.setBackend(backend))) throw new Error(`TensorFlow.js could not start its ${backend} backend`);
  await tf.ready();
  return tf;
}

export async function tfMatmul(t: Tf, n: number): Promise<{ once: () => Promise<number>; result: () => Promise<Float32Array>; dispose: () => void }> {
  const a = t.tensor2d(seededValues(n * n, 1), [n, n]);
  const b = t.tensor2d(seededValues(n * n, 2), [n, n]);
  await Promise.all([a.data(), b.data()]);
  return {
    async once() {
      const start = performance.now();
      const c = t.matMul(a, b);
      // A one-element readback waits for the product without timing a 4n^2-byte copy.
      const probe = t.slice(c, [n - 1, n - 1], [1, 1]);
      await probe.data();
      const seconds = (performance.now() - start) / 1000;
      t.dispose([c, probe]);
      return seconds;
    },
    async result() {
      const c = t.matMul(a, b);
      const data = (await c.data()) as Float32Array;
      c.dispose();
      return data;
    },
    dispose() {
      t.dispose([a, b]);
    },
  };
}

export function tfTrainer(adapter: { backend: string; name: string }, backend: TfBackend): Trainer {
  return {
    impl: backend === 'webgpu' ? 'tfjs-webgpu' : 'tfjs-cpu',
    backend: backend === 'webgpu' ? `webgpu (${adapter.name})` : 'cpu (JS)',
    async activate() {
      await loadTf(adapter, backend);
    },
    async create(w: TrainWorkload): Promise<TrainSession> {
      const t = await loadTf(adapter, backend);
      const host = hostParams(w);
      const vars = host.flatMap((p) => {
        const weight = t.tensor(p.weight, p.weightShape);
        // conv (out, in, k, k) -> tfjs filter (k, k, in, out); linear stays (in, out).
        const filter = p.weightShape.length === 4 ? t.transpose(weight, [2, 3, 1, 0]) : weight;
        return [t.variable(filter), t.variable(t.tensor1d(p.bias))];
      });
      const batch = syntheticBatch(w);
      const x = t.tidy(() => t.transpose(t.tensor4d(batch.x, [w.batch, ...w.input]), [0, 2, 3, 1]));
      const target = t.tensor2d(oneHot(batch.labels, w.classes), [w.batch, w.classes]);
      const forward = () => {
        let h = x as import('@tensorflow/tfjs').Tensor;
        let k = 0;
        for (const spec of w.layers) {
          if (spec.kind === 'conv2d') h = t.add(t.conv2d(h as import('@tensorflow/tfjs').Tensor4D, vars[k++] as import('@tensorflow/tfjs').Tensor4D, spec.stride, 'valid'), vars[k++]);
          else if (spec.kind === 'linear') h = t.add(t.matMul(h as import('@tensorflow/tfjs').Tensor2D, vars[k++] as import('@tensorflow/tfjs').Tensor2D), vars[k++]);
          else if (spec.kind === 'relu') h = t.relu(h);
          else if (spec.kind === 'maxpool2d') h = t.maxPool(h as import('@tensorflow/tfjs').Tensor4D, spec.kernel, spec.kernel, 'valid');
          else h = t.reshape(h, [w.batch, -1]);
        }
        return t.losses.softmaxCrossEntropy(target, h) as import('@tensorflow/tfjs').Scalar;
      };
      const optimizer = t.train.momentum(w.optimizer.lr, w.optimizer.momentum);
      return {
        async run(steps) {
          let cost: import('@tensorflow/tfjs').Scalar | null = null;
          for (let i = 0; i < steps; i++) {
            cost?.dispose();
            cost = optimizer.minimize(forward, true, vars);
          }
          await cost!.data();
          cost!.dispose();
        },
        async loss() {
          const cost = t.tidy(forward);
          const value = (await cost.data())[0];
          cost.dispose();
          return value;
        },
        dispose() {
          t.dispose([...vars, x, target]);
          optimizer.dispose();
        },
      };
    },
  };
}
