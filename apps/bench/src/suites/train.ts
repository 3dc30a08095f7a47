/**
 * `train`: Duet's training throughput (samples/s after warm-up) on synthetic data of the real
 * shapes, and its first-step time cold and warm: lab-cnn and the MNIST CNN (the layer lists
 * the peers re-implement), then audio-cnn and the intermediate fusion network from
 * packages/models (Duet only: no peer implements them, see duet/models.ts), then, outside
 * --quick, one real lab-cnn epoch over FSDD through the built CLI (skipped, with a note, when
 * no corpus or no CLI build is found).
 */
import { duetModelTrainer, modelWorkloads } from '../duet/models';
import { FSDD_EPOCH, measureFsddEpoch } from '../duet/fsdd_epoch';
import { duetTrainer } from '../duet/train';
import { measureStartup } from '../startup';
import { measureTraining, trainingPlan } from '../training';
import type { Suite } from '../types';
import { TRAIN_WORKLOADS } from '../workloads';

export const trainSuite: Suite = {
  name: 'train',
  describe: "Duet's training throughput and first-step time (samples/s, s)",
  async run(s) {
    for (const w of TRAIN_WORKLOADS) {
      if (s.wants(w.name)) await measureTraining(s, 'train', w, [duetTrainer(s.ctx)], trainingPlan(s.options.quick, w));
      if (!s.options.noStartup && s.wants(`${w.name}:first-step`)) measureStartup(s, 'train', 'duet', w.name);
    }
    for (const w of modelWorkloads()) {
      if (s.wants(w.name)) await measureTraining(s, 'train', w, [duetModelTrainer(s.ctx)], trainingPlan(s.options.quick, w));
    }
    // A full epoch takes minutes on lavapipe: not in --quick.
    if (!s.options.quick && s.wants(FSDD_EPOCH)) measureFsddEpoch(s, 'train');
  },
};
