import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cacheDataDir, findAudioCorpus, locateCorpus, resolveAudioDir, scanCorpus } from '../src/corpus';
import { DataError } from '../src/errors';
import { parseRecordingName } from '../src/names';

const SHARED = resolve(__dirname, '../../../../shared/data');
const made: string[] = [];
afterAll(() => made.forEach((d) => rmSync(d, { recursive: true, force: true })));

function tree(files: string[]): string {
  const root = mkdtempSync(join(tmpdir(), 'duet-corpus-'));
  made.push(root);
  for (const f of files) {
    mkdirSync(join(root, f, '..'), { recursive: true });
    writeFileSync(join(root, f), 'x');
  }
  return root;
}

describe('parseRecordingName', () => {
  it('reads digit, speaker and index from the last path component', () => {
    expect(parseRecordingName('recordings/3_theo_11.wav')).toEqual({ digit: 3, speaker: 'theo', index: 11 });
    expect(parseRecordingName('data\\07\\9_07_49.wav')).toEqual({ digit: 9, speaker: '07', index: 49 });
    for (const bad of ['3_theo.wav', '10_theo_1.wav', '3_theo_1.mp3', '3__1.wav', 'a_theo_1.wav', '3_theo_1x.wav']) {
      expect(parseRecordingName(bad)).toBeUndefined();
    }
  });
});

describe('scanCorpus', () => {
  it('reads the shared FSDD copy through dir/fsdd/recordings: 6 speakers x 10 digits x 50', () => {
    const corpus = scanCorpus(SHARED);
    expect(corpus.kind).toBe('fsdd');
    expect(corpus.root).toBe(join(SHARED, 'fsdd'));
    expect(corpus.entries).toHaveLength(3000);
    expect(corpus.unmatched).toEqual([]);
    expect(corpus.entries[0]).toEqual({ path: 'recordings/0_george_0.wav', digit: 0, speaker: 'george', index: 0 });
    expect(corpus.entries[1].path).toBe('recordings/0_george_1.wav'); // numeric index order, not 0, 1, 10
    expect([...new Set(corpus.entries.map((e) => e.speaker))]).toEqual(['george', 'jackson', 'lucas', 'nicolas', 'theo', 'yweweler']);
  });

  it('accepts the recordings folder itself, and reports files that do not follow the naming', () => {
    const root = tree(['recordings/1_ann_2.wav', 'recordings/1_ann_10.wav', 'recordings/0_bob_0.wav', 'recordings/notes.txt', 'recordings/x_y.wav', 'recordings/sub/1_ann_3.wav']);
    const corpus = scanCorpus(root);
    expect(corpus.root).toBe(root);
    expect(corpus.entries.map((e) => e.path)).toEqual(['recordings/1_ann_2.wav', 'recordings/1_ann_10.wav', 'recordings/0_bob_0.wav']);
    expect(corpus.unmatched).toEqual(['recordings/notes.txt', 'recordings/sub/', 'recordings/x_y.wav']);
    const direct = scanCorpus(join(root, 'recordings'));
    expect(direct.root).toBe(join(root, 'recordings'));
    expect(direct.entries[0].path).toBe('1_ann_2.wav');
  });

  it('reads an AudioMNIST tree data/NN/{digit}_NN_{index}.wav', () => {
    const root = tree(['data/01/0_01_0.wav', 'data/01/9_01_3.wav', 'data/02/5_02_1.wav', 'data/02/5_03_1.wav', 'data/audioMNIST_meta.txt', 'data/README', 'data/xx/0_xx_0.wav']);
    const corpus = scanCorpus(root);
    expect(corpus.kind).toBe('audiomnist');
    expect(corpus.entries).toEqual([
      { path: 'data/01/0_01_0.wav', digit: 0, speaker: '01', index: 0 },
      { path: 'data/01/9_01_3.wav', digit: 9, speaker: '01', index: 3 },
      { path: 'data/02/5_02_1.wav', digit: 5, speaker: '02', index: 1 },
    ]);
    // A file whose speaker is not its folder's is reported, as are unexpected files and folders.
    expect(corpus.unmatched).toEqual(['data/02/5_03_1.wav', 'data/README', 'data/xx/']);
  });

  it('throws a DataError naming the folder when there is no corpus', () => {
    const root = tree(['other/readme.txt']);
    expect(locateCorpus(root)).toBeUndefined();
    expect(() => scanCorpus(root)).toThrow(DataError);
    expect(() => scanCorpus(root)).toThrow(`no FSDD or AudioMNIST recordings in ${root}`);
  });
});

describe('resolveAudioDir', () => {
  const empty = tree(['nothing-here.txt']);

  it('prefers the explicit folder, then $DUET_DATA, then the cache', () => {
    const cache = tree(['duet/data/fsdd/recordings/1_ann_0.wav']);
    const env = { DUET_DATA: SHARED, XDG_CACHE_HOME: cache };
    const explicit = tree(['recordings/2_bob_0.wav']);
    expect(findAudioCorpus(explicit, env)).toEqual({ kind: 'fsdd', root: explicit, from: 'explicit' });
    expect(findAudioCorpus(undefined, env)).toEqual({ kind: 'fsdd', root: join(SHARED, 'fsdd'), from: 'DUET_DATA' });
    expect(findAudioCorpus(undefined, { XDG_CACHE_HOME: cache })).toEqual({ kind: 'fsdd', root: join(cache, 'duet/data/fsdd'), from: 'cache' });
    expect(resolveAudioDir(undefined, { DUET_DATA: empty, XDG_CACHE_HOME: cache })).toBe(join(cache, 'duet/data/fsdd'));
  });

  it('uses ~/.cache when XDG_CACHE_HOME is unset', () => {
    expect(cacheDataDir({ HOME: '/home/x' })).toMatch(/\.cache\/duet\/data$/);
  });

  it('lists every place it looked when none has a corpus, and does not fall back from an explicit folder', () => {
    expect(() => resolveAudioDir(undefined, { DUET_DATA: empty, XDG_CACHE_HOME: empty })).toThrow(
      `no spoken-digit corpus found; looked in $DUET_DATA=${empty}, ${join(empty, 'duet/data')}.`,
    );
    expect(() => resolveAudioDir(undefined, { XDG_CACHE_HOME: empty })).toThrow(/\$DUET_DATA \(not set\)/);
    expect(() => resolveAudioDir(empty, { DUET_DATA: SHARED })).toThrow(`--audio-dir ${empty}: no FSDD or AudioMNIST recordings there`);
  });
});
