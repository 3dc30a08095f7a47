/**
 * Learning-rate schedules as pure functions of the step (or epoch) count, with the closed
 * forms of torch.optim.lr_scheduler: StepLR, CosineAnnealingLR, OneCycleLR. A training loop
 * sets `optimizer.lr = schedule(step)` before each step; nothing here holds state, so resuming
 * from a checkpoint needs only the step count.
 */

/** StepLR: baseLr * gamma^floor(epoch / stepSize). */
export function stepLr(epoch: number, options: { baseLr: number; stepSize: number; gamma?: number }): number {
  const { baseLr, stepSize, gamma = 0.1 } = options;
  if (!(stepSize >= 1)) throw new Error(`stepLr: stepSize must be >= 1, got ${stepSize}`);
  return baseLr * gamma ** Math.floor(epoch / stepSize);
}

/** CosineAnnealingLR: etaMin + (baseLr - etaMin) * (1 + cos(pi * t / tMax)) / 2 (its closed form). */
export function cosineLr(t: number, options: { baseLr: number; tMax: number; etaMin?: number }): number {
  const { baseLr, tMax, etaMin = 0 } = options;
  if (!(tMax > 0)) throw new Error(`cosineLr: tMax must be > 0, got ${tMax}`);
  return etaMin + ((baseLr - etaMin) * (1 + Math.cos((Math.PI * t) / tMax))) / 2;
}

export interface OneCycleOptions {
  readonly maxLr: number;
  readonly totalSteps: number;
  /** Fraction of the steps spent increasing the rate (default 0.3). */
  readonly pctStart?: number;
  readonly annealStrategy?: 'cos' | 'linear';
  /** initial lr = maxLr / divFactor (default 25). */
  readonly divFactor?: number;
  /** min lr = initial lr / finalDivFactor (default 1e4). */
  readonly finalDivFactor?: number;
  readonly threePhase?: boolean;
  /** Momentum (or Adam's beta1) cycles inversely between these (defaults 0.85, 0.95). */
  readonly baseMomentum?: number;
  readonly maxMomentum?: number;
}

/** OneCycleLR's learning rate at `step` (0-based; valid for 0 <= step <= totalSteps - 1, as torch). */
export function oneCycleLr(step: number, options: OneCycleOptions): number {
  return oneCycle(step, options).lr;
}

/** OneCycleLR's momentum at `step` (cycle_momentum=True): low while the rate is high. */
export function oneCycleMomentum(step: number, options: OneCycleOptions): number {
  return oneCycle(step, options).momentum;
}

function oneCycle(step: number, options: OneCycleOptions): { lr: number; momentum: number } {
  const { maxLr, totalSteps, pctStart = 0.3, annealStrategy = 'cos', divFactor = 25, finalDivFactor = 1e4, threePhase = false } = options;
  const { baseMomentum = 0.85, maxMomentum = 0.95 } = options;
  if (!Number.isInteger(totalSteps) || totalSteps < 1) throw new Error(`oneCycleLr: totalSteps must be a positive integer, got ${totalSteps}`);
  if (!Number.isInteger(step) || step < 0 || step >= totalSteps) {
    throw new Error(`oneCycleLr: step ${step} is outside [0, ${totalSteps - 1}] (torch raises past total_steps too)`);
  }
  const initialLr = maxLr / divFactor;
  const minLr = initialLr / finalDivFactor;
  const rise = pctStart * totalSteps - 1;
  const phases = threePhase
    ? [
        { end: rise, lr: [initialLr, maxLr], m: [maxMomentum, baseMomentum] },
        { end: 2 * pctStart * totalSteps - 2, lr: [maxLr, initialLr], m: [baseMomentum, maxMomentum] },
        { end: totalSteps - 1, lr: [initialLr, minLr], m: [maxMomentum, maxMomentum] },
      ]
    : [
        { end: rise, lr: [initialLr, maxLr], m: [maxMomentum, baseMomentum] },
        { end: totalSteps - 1, lr: [maxLr, minLr], m: [baseMomentum, maxMomentum] },
      ];
  const anneal = annealStrategy === 'cos'
    ? (start: number, end: number, pct: number) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1)
    : (start: number, end: number, pct: number) => (end - start) * pct + start;
  let start = 0;
  for (const [i, phase] of phases.entries()) {
    if (step <= phase.end || i === phases.length - 1) {
      const pct = (step - start) / (phase.end - start);
      return { lr: anneal(phase.lr[0], phase.lr[1], pct), momentum: anneal(phase.m[0], phase.m[1], pct) };
    }
    start = phase.end;
  }
  throw new Error('unreachable: the last phase always matches');
}
