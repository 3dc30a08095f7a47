/**
 * jax-js on WebGPU (Dawn, same adapter): matmul with jit, and the training step as one jitted
 * function of (params, velocity, x, onehot) -> (params, velocity, loss) built with valueAndGrad.
 * jax-js is lazy: every measurement ends in blockUntilReady on the results.
 * Reference counting: every jax-js call consumes its array arguments; `.ref` keeps one alive.
 */
import { seededValues } from '../check';
import { syntheticBatch, type Trainer, type TrainSession, type TrainWorkload } from '../workloads';
import { installWebGpuGlobals } from './globals';
import { hostParams, oneHot } from './init';

type Jax = typeof import('@jax-js/jax');
type JArray = import('@jax-js/jax').Array;

let loaded: Promise<Jax> | null = null;

export function loadJax(adapter: { backend: string; name: string }): Promise<Jax> {
  loaded ??= (async () => {
    installWebGpuGlobals(adapter);
    const jax = await import('@jax-js/jax');
    const devices = await jax.init('webgpu');
    if (!devices.includes('webgpu')) throw new Error('jax-js found no WebGPU device');
    jax.defaultDevice('webgpu');
    return jax;
  })();
  return loaded;
}

/** c = a @ b for square n: a closure timing one forced matmul, and one reading c for the check. */
export async function jaxMatmul(jax: Jax, n: number): Promise<{ once: () => Promise<number>; result: () => Promise<Float32Array>; dispose: () => void }> {
  const { numpy: np, jit, blockUntilReady } = jax;
  const a = np.array(seededValues(n * n, 1)).reshape([n, n]);
  const b = np.array(seededValues(n * n, 2)).reshape([n, n]);
  const mm = jit((x: JArray, y: JArray) => np.matmul(x, y));
  await blockUntilReady([a, b]);
  return {
    async once() {
      const start = performance.now();
      const c = await blockUntilReady(mm(a.ref, b.ref));
      const seconds = (performance.now() - start) / 1000;
      c.dispose();
      return seconds;
    },
    async result() {
      return (await mm(a.ref, b.ref).data()) as Float32Array;
    },
    dispose() {
      a.dispose();
      b.dispose();
      mm.dispose();
    },
  };
}

type Params = JArray[];

export function jaxTrainer(adapter: { backend: string; name: string }): Trainer {
  return {
    impl: 'jax-webgpu',
    backend: `webgpu (${adapter.name})`,
    async create(w: TrainWorkload): Promise<TrainSession> {
      const jax = await loadJax(adapter);
      const { numpy: np, lax, nn, jit, valueAndGrad, blockUntilReady } = jax;
      const host = hostParams(w);
      let params: Params = host.flatMap((p) => [np.array(p.weight).reshape(p.weightShape), np.array(p.bias)]);
      let velocity: Params = host.flatMap((p) => [np.zeros(p.weightShape), np.zeros([p.bias.length])]);
      const batch = syntheticBatch(w);
      const x = np.array(batch.x).reshape([w.batch, ...w.input]);
      const target = np.array(oneHot(batch.labels, w.classes)).reshape([w.batch, w.classes]);

      const forward = (ps: Params, input: JArray): JArray => {
        let h = input;
        let k = 0;
        for (const spec of w.layers) {
          if (spec.kind === 'conv2d') {
            h = lax.convGeneralDilated(h, ps[k++], [spec.stride, spec.stride], 'VALID').add(ps[k++].reshape([1, spec.out, 1, 1]));
          } else if (spec.kind === 'linear') {
            h = np.matmul(h, ps[k++]).add(ps[k++]);
          } else if (spec.kind === 'relu') {
            h = nn.relu(h);
          } else if (spec.kind === 'maxpool2d') {
            const [b, c, hh, ww] = h.shape;
            h = np.max(h.reshape([b, c, hh / spec.kernel, spec.kernel, ww / spec.kernel, spec.kernel]), [3, 5]);
          } else {
            h = h.reshape([h.shape[0], -1]);
          }
        }
        return h;
      };
      // Mean cross-entropy of the logits against one-hot targets.
      const lossFn = (ps: Params, input: JArray, onehot: JArray): JArray => nn.logSoftmax(forward(ps, input), -1).mul(onehot).sum().mul(-1 / w.batch);
      const { lr, momentum } = w.optimizer;
      const step = jit((ps: Params, vs: Params, input: JArray, onehot: JArray) => {
        const [loss, grads] = valueAndGrad(lossFn)(ps.map((p) => p.ref), input, onehot) as [JArray, Params];
        const newV = vs.map((v, i) => v.mul(momentum).add(grads[i]));
        const newP = ps.map((p, i) => p.sub(newV[i].ref.mul(lr)));
        return [newP, newV, loss] as [Params, Params, JArray];
      });
      const evalLoss = jit(lossFn);
      return {
        async run(steps) {
          let loss: JArray | null = null;
          for (let i = 0; i < steps; i++) {
            loss?.dispose();
            [params, velocity, loss] = step(params, velocity, x.ref, target.ref);
          }
          // blockUntilReady waits without consuming its arguments.
          await blockUntilReady([...params, loss!]);
          loss?.dispose();
        },
        async loss() {
          const data = await evalLoss(params.map((p) => p.ref), x.ref, target.ref).data();
          return data[0];
        },
        dispose() {
          for (const a of [...params, ...velocity, x, target]) a.dispose();
          step.dispose();
          evalLoss.dispose();
        },
      };
    },
  };
}
