import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { FSDD_RECORDINGS as FSDD, duet } from './cli';

const haveData = existsSync(FSDD);
if (!haveData && process.env.CI === 'true') throw new Error(`FSDD is missing at ${FSDD}; CI must have ../shared/data`);

describe.skipIf(!haveData)('duet show', () => {
  it('writes the waveform + mel figure per file and prints rate, length, duration and spectrogram shape', () => {
    const out = mkdtempSync(join(tmpdir(), 'duet-show-'));
    const run = duet(['show', join(FSDD, '7_jackson_0.wav'), '--out', out]);
    expect(run.status).toBe(0);
    // 3457 samples at 8 kHz; torchaudio's defaults: hop 200 -> 1 + 3457 // 200 = 18 frames of 128 mels.
    expect(run.stdout).toContain('8000 Hz, 3457 samples, 0.432 s, mel spectrogram (128, 18)');
    // The 16 kHz filterbank over 201 bins has empty filters: torchaudio's warning is repeated.
    expect(run.stderr).toMatch(/mel filterbank has all zero values/);
    const png = PNG.sync.read(readFileSync(join(out, '7_jackson_0.png')));
    expect(png.width).toBeGreaterThan(800);
  });

  it('uses the mel options, like duet mel', () => {
    const out = mkdtempSync(join(tmpdir(), 'duet-show-'));
    const run = duet(['show', join(FSDD, '7_jackson_0.wav'), '--out', out, '--sample-rate', '8000', '--n-fft', '256', '--hop-length', '80', '--n-mels', '40']);
    expect(run.status).toBe(0);
    expect(run.stdout).toContain('mel spectrogram (40, 44)');
  });

  it('exits 2 with one line naming a file that is not a WAV', () => {
    const dir = mkdtempSync(join(tmpdir(), 'duet-show-'));
    const bad = join(dir, 'notes.wav');
    writeFileSync(bad, 'not audio at all');
    const run = duet(['show', bad, '--out', dir]);
    expect(run.status).toBe(2);
    expect(run.stderr.trim().split('\n').filter((l) => l.startsWith('duet:'))).toHaveLength(1);
    expect(run.stderr).toContain(bad);
  });
});
