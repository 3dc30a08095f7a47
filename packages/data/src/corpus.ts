/**
 * Spoken-digit corpora on disk: finding an FSDD or AudioMNIST folder, listing its recordings, and
 * resolving where the corpus lives (--audio-dir, $DUET_DATA, the user cache). Node only.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { DataError } from './errors';
import { parseRecordingName } from './names';

export type CorpusKind = 'fsdd' | 'audiomnist';

export interface CorpusEntry {
  /** Relative to the corpus root, with `/` separators: `recordings/3_theo_11.wav`, `data/07/3_07_11.wav`. */
  path: string;
  digit: number;
  speaker: string;
  /** The repetition number (FSDD 0..49, AudioMNIST 0..49). */
  index: number;
}

export interface Corpus {
  kind: CorpusKind;
  /** Absolute folder the entry paths are relative to. */
  root: string;
  /** Sorted by speaker, then digit, then index (code-unit order for speakers: locale-independent). */
  entries: CorpusEntry[];
  /** Files (and unexpected folders, with a trailing `/`) that do not follow the corpus's naming, relative to root. */
  unmatched: string[];
}

export interface CorpusLocation {
  kind: CorpusKind;
  root: string;
}

const isDir = (path: string) => existsSync(path) && statSync(path).isDirectory();
const SPEAKER_DIR = /^[0-9]{2}$/;
/** The one file AudioMNIST keeps beside its speaker folders. */
const AUDIOMNIST_META = 'audioMNIST_meta.txt';

function hasRecordings(dir: string): boolean {
  return isDir(dir) && readdirSync(dir).some((name) => parseRecordingName(name) !== undefined);
}

/** The folders a corpus may hide in below `dir`, in the order they are tried. */
function candidates(dir: string): (CorpusLocation & { recordings: string })[] {
  return [
    { kind: 'fsdd', root: dir, recordings: join(dir, 'recordings') },
    { kind: 'fsdd', root: join(dir, 'fsdd'), recordings: join(dir, 'fsdd', 'recordings') },
    { kind: 'audiomnist', root: dir, recordings: join(dir, 'data') },
    { kind: 'audiomnist', root: join(dir, 'AudioMNIST'), recordings: join(dir, 'AudioMNIST', 'data') },
    { kind: 'fsdd', root: dir, recordings: dir },
  ];
}

/** Where a corpus is below `dir` (dir itself, dir/recordings, dir/fsdd/recordings, dir/data/NN, ...), or undefined. */
export function locateCorpus(dir: string, kind?: CorpusKind): CorpusLocation | undefined {
  const root = resolve(dir);
  for (const c of candidates(root)) {
    if (kind && c.kind !== kind) continue;
    const found =
      c.kind === 'fsdd'
        ? hasRecordings(c.recordings)
        : isDir(c.recordings) && readdirSync(c.recordings).some((n) => SPEAKER_DIR.test(n) && hasRecordings(join(c.recordings, n)));
    if (found) return { kind: c.kind, root: c.root };
  }
  return undefined;
}

const byCodeUnit = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

function sortEntries(entries: CorpusEntry[]): CorpusEntry[] {
  return entries.sort((a, b) => byCodeUnit(a.speaker, b.speaker) || a.digit - b.digit || a.index - b.index || byCodeUnit(a.path, b.path));
}

function scanFolder(root: string, rel: string, entries: CorpusEntry[], unmatched: string[], speaker?: string): void {
  const dir = rel ? join(root, rel) : root;
  for (const name of readdirSync(dir).sort(byCodeUnit)) {
    const path = rel ? `${rel}/${name}` : name;
    const parsed = parseRecordingName(name);
    if (parsed && (speaker === undefined || parsed.speaker === speaker) && statSync(join(dir, name)).isFile()) {
      entries.push({ path, ...parsed });
    } else {
      unmatched.push(isDir(join(dir, name)) ? `${path}/` : path);
    }
  }
}

/**
 * Lists the recordings of the FSDD or AudioMNIST corpus found below `dir` (see locateCorpus).
 * Files that do not follow the naming are returned in `unmatched`, never dropped silently.
 */
export function scanCorpus(dir: string, kind?: CorpusKind): Corpus {
  const location = locateCorpus(dir, kind);
  if (!location) {
    throw new DataError(`no ${kind ?? 'FSDD or AudioMNIST'} recordings in ${resolve(dir)} (looked for {digit}_{speaker}_{index}.wav in it, in recordings/, fsdd/recordings/ and data/NN/)`);
  }
  const { root } = location;
  const entries: CorpusEntry[] = [];
  const unmatched: string[] = [];
  if (location.kind === 'fsdd') {
    scanFolder(root, isDir(join(root, 'recordings')) ? 'recordings' : '', entries, unmatched);
  } else {
    for (const name of readdirSync(join(root, 'data')).sort(byCodeUnit)) {
      if (SPEAKER_DIR.test(name) && isDir(join(root, 'data', name))) scanFolder(root, `data/${name}`, entries, unmatched, name);
      else if (name !== AUDIOMNIST_META) unmatched.push(isDir(join(root, 'data', name)) ? `data/${name}/` : `data/${name}`);
    }
  }
  return { ...location, entries: sortEntries(entries), unmatched };
}

/** The per-user download folder: $XDG_CACHE_HOME/duet/data, else ~/.cache/duet/data. */
export function cacheDataDir(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'duet', 'data');
}

export interface FoundCorpus extends CorpusLocation {
  /** Which setting pointed at it. */
  from: 'explicit' | 'DUET_DATA' | 'cache';
}

/**
 * Finds the spoken-digit corpus: an explicit folder (--audio-dir) if given, else $DUET_DATA
 * (a folder containing fsdd/recordings), else the user cache folder. Throws a DataError naming
 * every place it looked when none holds one.
 */
export function findAudioCorpus(explicit?: string, env: NodeJS.ProcessEnv = process.env): FoundCorpus {
  if (explicit) {
    const found = locateCorpus(explicit);
    if (!found) throw new DataError(`--audio-dir ${resolve(explicit)}: no FSDD or AudioMNIST recordings there (looked in it, recordings/, fsdd/recordings/ and data/NN/)`);
    return { ...found, from: 'explicit' };
  }
  const looked: string[] = [];
  if (env.DUET_DATA) {
    const found = locateCorpus(env.DUET_DATA);
    if (found) return { ...found, from: 'DUET_DATA' };
    looked.push(`$DUET_DATA=${resolve(env.DUET_DATA)}`);
  } else {
    looked.push('$DUET_DATA (not set)');
  }
  const cache = cacheDataDir(env);
  const cached = locateCorpus(cache);
  if (cached) return { ...cached, from: 'cache' };
  looked.push(cache);
  throw new DataError(`no spoken-digit corpus found; looked in ${looked.join(', ')}. Pass --audio-dir DIR, set DUET_DATA to a folder containing fsdd/recordings, or run \`duet data fetch\``);
}

/** The root folder of the spoken-digit corpus (see findAudioCorpus); CSV paths are relative to it. */
export function resolveAudioDir(explicit?: string, env: NodeJS.ProcessEnv = process.env): string {
  return findAudioCorpus(explicit, env).root;
}
