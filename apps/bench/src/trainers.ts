/** Which trainer serves an impl: Duet's own, or a peer's (loaded only when asked for). */
import type { GpuContext } from '@duet/gpu';
import { duetTrainer } from './duet/train';
import { jaxTrainer } from './peers/jax';
import { tfTrainer } from './peers/tfjs';
import type { TorchPeer } from './peers/torch';
import type { Impl } from './types';
import type { Trainer } from './workloads';

export interface TrainerSources {
  readonly ctx: GpuContext;
  readonly dawnAdapter: { readonly backend: string; readonly name: string };
  /** null when no python3 with torch is present. */
  readonly torch: TorchPeer | null;
}

export function trainerFor(impl: Impl, sources: TrainerSources): Trainer | null {
  switch (impl) {
    case 'duet':
      return duetTrainer(sources.ctx);
    case 'jax-webgpu':
      return jaxTrainer(sources.dawnAdapter);
    case 'tfjs-webgpu':
      return tfTrainer(sources.dawnAdapter, 'webgpu');
    case 'tfjs-cpu':
      return tfTrainer(sources.dawnAdapter, 'cpu');
    case 'pytorch-cpu':
      return sources.torch?.trainer() ?? null;
  }
}
