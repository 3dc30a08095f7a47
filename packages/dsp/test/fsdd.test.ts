import { afterEach, describe, expect, it, vi } from 'vitest';
import { maxDbError, readFsdd } from './fsdd';

describe('FSDD access for the parity tests', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
    vi.restoreAllMocks();
  });

  it('fails on CI when the recordings are missing', () => {
    vi.stubEnv('CI', 'true');
    expect(() => readFsdd('/nonexistent/fsdd', '3_george_27.wav')).toThrow(/missing \(CI must have/);
  });

  it('skips with a loud line elsewhere', () => {
    vi.stubEnv('CI', 'false');
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    expect(readFsdd('/nonexistent/fsdd', '3_george_27.wav')).toBeNull();
    expect(warn).toHaveBeenCalledWith(expect.stringMatching(/not found; FSDD parity checks skipped/));
  });

  it('compares only within the window below the max', () => {
    // -100 dB is outside the 80 dB window: its error of 5 does not count.
    expect(maxDbError([0.001, -30.002, -95], [0, -30, -100]).max).toBeCloseTo(0.002, 9);
    expect(maxDbError([0.001, -30.002, -95], [0, -30, -100], 120).max).toBeCloseTo(5, 9);
  });
});
