/**
 * `duet mel` end to end, through the built CLI (node build.mjs): log-mel of an FSDD recording at
 * the 8 kHz settings against torchaudio's (fixtures/mel_golden.json, written by
 * packages/dsp/test/fixtures/gen_dsp.py), and the errors a user sees for bad input.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { duet } from './cli';



const golden = JSON.parse(readFileSync(resolve(__dirname, 'fixtures/mel_golden.json'), 'utf8')) as {
  file: string; args: string[]; shape: number[]; db: number[];
};
// The recordings live beside the repository, never in it: required on CI, skipped loudly elsewhere.
const WAV = resolve(__dirname, '../../../../shared/data/fsdd/recordings', golden.file);
const haveWav = existsSync(WAV);
if (!haveWav && process.env.CI === 'true') throw new Error(`${WAV} is missing (CI must have ../shared/data)`);
if (!haveWav) console.warn(`cli: ${WAV} not found; duet mel parity test skipped`);

const dir = mkdtempSync(join(tmpdir(), 'duet-mel-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Parses a float32 little-endian .npy (format 1.0) into its shape and values. */
function readNpy(path: string): { shape: number[]; values: Float32Array } {
  const bytes = readFileSync(path);
  expect([...bytes.subarray(0, 8)]).toEqual([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, 1, 0]);
  const headerLength = bytes.readUInt16LE(8);
  expect((10 + headerLength) % 64).toBe(0);
  const header = bytes.toString('latin1', 10, 10 + headerLength);
  expect(header).toMatch(/'descr': '<f4', 'fortran_order': False/);
  const shape = /'shape': \(([^)]*)\)/.exec(header)![1].split(',').filter((s) => s.trim()).map(Number);
  const body = bytes.subarray(10 + headerLength);
  const values = new Float32Array(body.length / 4);
  for (let i = 0; i < values.length; i++) values[i] = body.readFloatLE(4 * i);
  return { shape, values };
}

describe('duet mel', () => {
  it.skipIf(!haveWav)('writes the log-mel of an FSDD file within 0.01 dB of torchaudio (8 kHz settings)', () => {
    const out = join(dir, 'mel.npy');
    const run = duet(['mel', WAV, '--out', out, ...golden.args]);
    expect(run.stderr).not.toMatch(/duet:/);
    expect(run.status).toBe(0);
    const { shape, values } = readNpy(out);
    expect(shape).toEqual(golden.shape);
    const top = Math.max(...golden.db);
    let worst = 0;
    golden.db.forEach((expected, i) => {
      if (expected >= top - 80) worst = Math.max(worst, Math.abs(values[i] - expected));
    });
    expect(worst).toBeLessThan(0.01);
  });

  it.skipIf(!haveWav)("prints torchaudio's empty-filter warning with the defaults (128 mels over 201 bins)", () => {
    const out = join(dir, 'defaults.npy');
    const run = duet(['mel', WAV, '--out', out]);
    expect(run.status).toBe(0);
    expect(run.stderr).toMatch(/duet: warning: At least one mel filterbank has all zero values/);
    expect(readNpy(out).shape).toEqual([128, 16]);
  });

  it('exits 2 with one line naming a file that is not a WAV', () => {
    const bad = join(dir, 'notes.wav');
    writeFileSync(bad, 'these are not samples, just text pretending to be a recording');
    const run = duet(['mel', bad, '--out', join(dir, 'bad.npy')]);
    expect(run.status).toBe(2);
    expect(run.stderr.split('\n').filter((l) => l.startsWith('duet:'))).toEqual([`duet: ${bad}: not a WAV file (no RIFF/WAVE header)`]);
    expect(existsSync(join(dir, 'bad.npy'))).toBe(false);
  });

  it('exits 2 for a missing file and for a bad option value', () => {
    const missing = duet(['mel', join(dir, 'absent.wav'), '--out', join(dir, 'x.npy')]);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toMatch(/absent\.wav: cannot read \(no such file\)/);
    expect(duet(['mel', join(dir, 'absent.wav'), '--out', join(dir, 'x.npy'), '--mel-scale', 'bark']).status).toBe(2);
  });
});
