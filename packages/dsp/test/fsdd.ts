/** Reading FSDD recordings (mono PCM16) and the dB comparison the acceptance criterion uses. */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';

/**
 * Reads a mono PCM16 FSDD recording as torchaudio.load does (int16 / 32768). Returns null when
 * the data folder is absent; on CI that is a failure, not a skip.
 */
export function readFsdd(dir: string, file: string): Float32Array | null {
  const path = resolve(dir, file);
  if (!existsSync(path)) {
    if (process.env.CI === 'true') throw new Error(`FSDD recording ${path} is missing (CI must have ../shared/data)`);
    console.warn(`dsp: ${path} not found; FSDD parity checks skipped`);
    return null;
  }
  const bytes = readFileSync(path);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  // Walk the RIFF chunks to 'data' (the FSDD files are plain 44-byte-header PCM16, but be safe).
  let offset = 12;
  while (offset + 8 <= bytes.length) {
    const id = bytes.toString('ascii', offset, offset + 4);
    const size = view.getUint32(offset + 4, true);
    if (id === 'data') {
      const n = Math.floor(Math.min(size, bytes.length - offset - 8) / 2);
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(offset + 8 + 2 * i, true) / 32768;
      return out;
    }
    offset += 8 + size + (size & 1);
  }
  throw new Error(`${file}: no data chunk`);
}

/**
 * Largest |actual - expected| over the entries whose expected dB lies within `window` dB of
 * the clip's max (the acceptance criterion), and where it happens.
 */
export function maxDbError(actual: ArrayLike<number>, expected: ArrayLike<number>, window = 80): { max: number; at: number; compared: number } {
  let top = -Infinity;
  for (let i = 0; i < expected.length; i++) top = Math.max(top, expected[i]);
  let max = 0;
  let at = -1;
  let compared = 0;
  for (let i = 0; i < expected.length; i++) {
    if (expected[i] < top - window) continue;
    compared++;
    const d = Math.abs(actual[i] - expected[i]);
    if (!(d <= max)) {
      max = d;
      at = i;
    }
  }
  return { max, at, compared };
}
