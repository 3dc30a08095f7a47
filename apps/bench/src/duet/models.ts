/**
 * Duet-only training workloads, built from @duet/models exactly as the CLI builds them:
 * - `audio-cnn`: the registry model (4 conv blocks with batch norm, global pooling, dropout) on
 *   the input its preprocessing gives, (1, 40, 101), at its recipe's batch and Adam lr;
 * - `fusion`: the `intermediate` fusion of mnist-cnn's image encoder and audio-cnn's audio
 *   encoder (as `duet train fusion` makes it: makeFusionSpec + buildFusionFromSpec, modality
 *   dropout on), on packed image+audio rows (B, 784 + 4040), batch 32, Adam 0.001 (the CLI's
 *   defaults).
 * No peer implements these networks (batch norm, dropout, modality dropout, packed two-sense
 * input), so they have Duet rows only. Data is synthetic, of the real shapes (syntheticBatch).
 */
import { Adam } from '@duet/autograd';
import type { GpuContext } from '@duet/gpu';
import { buildFusionFromSpec, buildModel, getModel, inputShape, makeFusionSpec, makeSpec, packedSize, fusionInputs, type BuiltModel, type ModelSpec } from '@duet/models';
import type { Trainer, TrainSession } from '../workloads';
import { fixedBatchSession } from './train';

const LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

/** A network from @duet/models with the batch and Adam lr it trains with. */
export interface ModelWorkload {
  readonly name: 'audio-cnn' | 'fusion';
  /** One example's input: (C, H, W) for audio-cnn; (I + A) packed values for fusion. */
  readonly input: readonly number[];
  readonly batch: number;
  readonly classes: number;
  readonly lr: number;
  /** The network with its initial weights from `seed`. */
  build(ctx: GpuContext, seed: number): BuiltModel;
}

/** A registry model's spec with its default preprocessing and recipe (what `duet train` writes as model.json). */
function registrySpec(name: string): ModelSpec {
  const def = getModel(name);
  return makeSpec(def, def.preprocessing(), def.recipe, LABELS);
}

/** audio-cnn as its recipe trains it; `batch` overrides the recipe's (tests use tiny batches). */
export function audioCnnWorkload(batch?: number): ModelWorkload {
  const spec = registrySpec('audio-cnn');
  return {
    name: 'audio-cnn',
    input: inputShape(spec.preprocessing), // (1, 40, 101): 40 mels x 101 frames of 1 s at 8 kHz
    batch: batch ?? spec.recipe.batchSize,
    classes: LABELS.length,
    lr: spec.recipe.lr,
    build: (ctx, seed) => buildModel(ctx, spec, seed),
  };
}

/** Intermediate fusion of mnist-cnn's and audio-cnn's encoders with the CLI's defaults (batch 32, Adam 0.001). */
export function fusionWorkload(batch = 32): ModelWorkload {
  const spec = makeFusionSpec('intermediate', registrySpec('mnist-cnn'), registrySpec('audio-cnn'), { options: {} });
  return {
    name: 'fusion',
    input: [packedSize(fusionInputs(spec))], // 1 x 28 x 28 + 1 x 40 x 101 = 4824
    batch,
    classes: LABELS.length,
    lr: 0.001,
    build: (ctx, seed) => buildFusionFromSpec(ctx, spec, seed),
  };
}

export function modelWorkloads(): ModelWorkload[] {
  return [audioCnnWorkload(), fusionWorkload()];
}

/** Duet's trainer of a ModelWorkload: the same one-submit step as duetTrainer, with Adam. */
export function duetModelTrainer(ctx: GpuContext): Trainer<ModelWorkload> {
  return {
    impl: 'duet',
    backend: ctx.adapter.name,
    async create(w: ModelWorkload): Promise<TrainSession> {
      const built = w.build(ctx, 1);
      built.module.train(); // dropout masks advance per step
      // NOTE: the check's loss uses batch statistics (training mode) with dropout off: eval
      // mode would use running statistics that a few steps barely move, and dropout would
      // make the before/after comparison a draw of random masks.
      const dropoutOff = () => {
        for (const d of built.dropouts) d.eval();
        return () => built.dropouts.forEach((d) => d.train());
      };
      return fixedBatchSession(ctx, w, built.module, new Adam(built.module.parameters(), { lr: w.lr }), dropoutOff);
    },
  };
}
