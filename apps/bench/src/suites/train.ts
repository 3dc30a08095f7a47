/**
 * `train`: Duet's training throughput (samples/s after warm-up) on synthetic data of the real
 * shapes, and its first-step time cold and warm. Workloads that need packages/models or the
 * FSDD loader are reported as 'not yet' rows, never faked.
 */
import { duetTrainer } from '../duet/train';
import { measureStartup } from '../startup';
import { measureTraining, trainingPlan } from '../training';
import { skippedRow, type Suite } from '../types';
import { TRAIN_WORKLOADS } from '../workloads';

/** In the issue, not measurable yet: each waits for packages/models (and FSDD for the epoch). */
const NOT_YET = [
  { workload: 'audio-cnn', note: 'not yet: needs packages/models (audio-cnn)' },
  { workload: 'fusion', note: 'not yet: needs packages/models (a fusion model)' },
  { workload: 'lab-cnn:fsdd-epoch', note: 'not yet: needs packages/models (lab-cnn) and a log-mel FSDD epoch loop' },
];

export const trainSuite: Suite = {
  name: 'train',
  describe: "Duet's training throughput and first-step time (samples/s, s)",
  async run(s) {
    for (const w of TRAIN_WORKLOADS) {
      if (s.wants(w.name)) await measureTraining(s, 'train', w, [duetTrainer(s.ctx)], trainingPlan(s.options.quick, w));
      if (!s.options.noStartup && s.wants(`${w.name}:first-step`)) measureStartup(s, 'train', 'duet', w.name);
    }
    for (const { workload, note } of NOT_YET) {
      if (s.options.quick && workload.includes('epoch')) continue;
      if (s.wants(workload)) s.emit(skippedRow({ suite: 'train', workload, impl: 'duet', backend: s.ctx.adapter.name, unit: 'samples/s', note }));
    }
  },
};
