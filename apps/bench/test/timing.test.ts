import { describe, expect, it } from 'vitest';
import type { GpuContext } from '@duet/gpu';
import { Nap } from '../src/timing';

function context(isSoftware: boolean): Pick<GpuContext, 'adapter' | 'flags'> {
  return { adapter: { isSoftware }, flags: { syncSleepFraction: 0.7 } } as unknown as Pick<GpuContext, 'adapter' | 'flags'>;
}

describe('Nap (the sleep before waiting for a timed repetition)', () => {
  it('sleeps nobody until two measurements, then the fraction of the shorter of the last two', () => {
    const nap = new Nap(context(true));
    expect(nap.seconds()).toBe(0);
    nap.measured(5); // a warm-up that compiled
    expect(nap.seconds()).toBe(0);
    nap.measured(0.2);
    expect(nap.seconds()).toBeCloseTo(0.14, 12);
    nap.measured(0.3);
    expect(nap.seconds()).toBeCloseTo(0.14, 12);
    nap.measured(0.4);
    expect(nap.seconds()).toBeCloseTo(0.21, 12);
  });

  it('never sleeps on a hardware adapter, whose waits do not take the cores doing the work', () => {
    const nap = new Nap(context(false));
    nap.measured(0.2);
    nap.measured(0.2);
    expect(nap.seconds()).toBe(0);
  });
});
