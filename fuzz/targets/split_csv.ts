/**
 * Split CSV: packages/data readSplitCsv on a file on disk (recordings not checked for existence),
 * with the security invariant of issue 8: a path the user did not write as absolute never
 * resolves outside the audio directory.
 */
import { writeFileSync } from 'node:fs';
import { isAbsolute, join, relative, sep } from 'node:path';
import { readSplitCsv, type ResolvedSplitRow } from '@duet/data/node';
import type { Rng } from '../engine';
import { scratchDir } from '../paths';
import type { Seed, Target } from '../target';

const encoder = new TextEncoder();

/** The audio directory the rows are resolved against (never read: checkFiles is off). */
function audioDir(): string {
  return join(scratchDir(), 'audio');
}

const TOKENS = [
  'recordings/', '3_theo_11.wav', '0_george_0.wav', '7_jackson_49.wav', 'x.wav', '..', '../', '..\\', './', '/', '\\', 'C:', 'c:/', '\\\\server\\',
  ',', ',', ',3', ',7', ',10', ',-1', ',a', '\n', '\n', '\r\n', '\r', '"', ' ', '\t', '\uFEFF', '\0', '\u2028', '%2e%2e/', '~/', 'recordings/../../',
  '\x1b[31m', 'é', '𝟘', '5_lucas_1.wav,5', 'path,label',
];

function seed(name: string, text: string): Seed {
  return { name, bytes: encoder.encode(text), fields: [] };
}

export const splitCsv: Target = {
  name: 'split-csv',
  errors: ['DataError'],
  extension: '.csv',
  seeds: () => [
    seed('lab', 'recordings/3_theo_11.wav,3\nrecordings/0_george_0.wav,0\nrecordings/7_jackson_3.wav,7\n'),
    seed('crlf-bom', '\uFEFFrecordings/1_nicolas_4.wav,1\r\nrecordings/9_yweweler_2.wav,9\r\n'),
    seed('nested-and-absolute', 'a/b/../recordings/2_lucas_0.wav,2\n/data/fsdd/4_theo_1.wav,4\nmine/odd name.wav,8\n'),
  ],
  /** A line soup of path pieces, separators, labels and hostile characters. */
  special(_seed: Seed, rng: Rng) {
    let text = '';
    for (let k = 1 + rng.int(40); k > 0; k--) text += rng.pick(TOKENS);
    if (rng.chance(0.05)) text = 'recordings/0_george_0.wav,0\n'.repeat(1 + rng.int(5000));
    return encoder.encode(text);
  },
  parse(bytes, file) {
    writeFileSync(file, bytes);
    return readSplitCsv(file, audioDir(), { checkFiles: false });
  },
  check(result) {
    const root = audioDir();
    for (const row of result as ResolvedSplitRow[]) {
      if (isAbsolute(row.path)) continue; // the user's own absolute path is taken as written
      const inside = relative(root, row.file);
      // '' is the audio directory itself (a path like `./`): not a file, but not outside either
      if (inside.startsWith(`..${sep}`) || inside === '..' || isAbsolute(inside)) {
        return `line ${row.line}: ${JSON.stringify(row.path)} resolves to ${row.file}, outside the audio directory ${root}`;
      }
    }
    return undefined;
  },
};
