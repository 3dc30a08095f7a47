/**
 * `duet data fetch`: downloads FSDD at a pinned commit, verifies it, and installs recordings/*.wav
 * atomically (extract into a temporary folder beside the target, verify, then rename). Node only.
 *
 * Integrity. GitHub builds codeload archives on demand and does not promise stable bytes (its
 * gzip output changed in January 2023 and every archive hash changed with it), so pinning only the
 * archive's SHA-256 would break the day GitHub recompresses while the data stays the same. What is
 * pinned instead is the content: FSDD_RECORDINGS_SHA256, the SHA-256 of the `sha256sum` listing of
 * the 3,000 recordings, which was computed from the reviewed copy of that commit in shared/data
 * and can be checked by hand with
 *   cd recordings && (LC_ALL=C ls *.wav | xargs sha256sum) | sha256sum
 * The archive's own SHA-256 is checked too, before anything is extracted, when one is known:
 * env DUET_FSDD_SHA256, else FSDD_ARCHIVE_SHA256. That constant is left unset on purpose: it must
 * be filled from a trusted download (a release step), never from whatever the first fetch returns.
 */
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { cacheDataDir } from './corpus';
import { DataError } from './errors';
import { parseRecordingName } from './names';
import { readTar } from './tar';

export const FSDD_COMMIT = '26eb9aaf76e81b692f806f9140c2d2777410d7a1';
export const FSDD_URL = `https://codeload.github.com/Jakobovski/free-spoken-digit-dataset/tar.gz/${FSDD_COMMIT}`;
/** SHA-256 of the downloaded .tar.gz; undefined until filled from a trusted download (see above). */
export const FSDD_ARCHIVE_SHA256: string | undefined = undefined;
/** SHA-256 of the `sha256sum` listing of recordings/*.wav at FSDD_COMMIT (3,000 files). */
export const FSDD_RECORDINGS_SHA256 = '1801eae019c063377d98f831d3f93574f259475df7332bb0e3d1b080fb5e6959';

/** Largest download and unpacked archive accepted (FSDD's archive is about 30 MB). */
const MAX_ARCHIVE_BYTES = 512 << 20;
/** `<repo>-<commit>/recordings/<name>.wav` */
const RECORDING_ENTRY = /^[^/]+\/recordings\/([^/]+\.wav)$/;

export interface FetchFsddOptions {
  /** Folder that receives fsdd/recordings; default the user cache (see cacheDataDir). */
  dir?: string;
  /** Replace an existing copy. */
  force?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Called as bytes arrive; total is undefined when the server sends no length. */
  onProgress?: (received: number, total: number | undefined) => void;
}

export interface FetchFsddResult {
  /** The corpus root, holding recordings/. */
  root: string;
  files: number;
  /** True when a copy was already there and nothing was downloaded. */
  alreadyPresent: boolean;
  url: string;
  archiveSha256?: string;
  recordingsSha256?: string;
}

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** The SHA-256 of `sha256sum`'s output for the files, listed in code-unit order of their names. */
export function recordingsDigest(files: { name: string; data: Uint8Array }[]): string {
  const sorted = [...files].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return sha256(new TextEncoder().encode(sorted.map((f) => `${sha256(f.data)}  ${f.name}\n`).join('')));
}

async function download(url: string, onProgress: FetchFsddOptions['onProgress']): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (error) {
    const cause = (error as { cause?: { code?: string; message?: string } }).cause;
    throw new DataError(`cannot download ${url}: ${cause?.code ?? cause?.message ?? (error as Error).message}`);
  }
  if (!response.ok || !response.body) throw new DataError(`cannot download ${url}: HTTP ${response.status} ${response.statusText}`.trim());
  const total = Number(response.headers.get('content-length')) || undefined;
  const chunks: Uint8Array[] = [];
  let received = 0;
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
    received += chunk.length;
    if (received > MAX_ARCHIVE_BYTES) throw new DataError(`${url}: download exceeds ${MAX_ARCHIVE_BYTES} bytes, refusing it`);
    chunks.push(chunk);
    onProgress?.(received, total);
  }
  const out = new Uint8Array(received);
  let at = 0;
  for (const c of chunks) (out.set(c, at), (at += c.length));
  return out;
}

/** Number of FSDD-named recordings in root/recordings (0 when absent). */
function recordingCount(root: string): number {
  const dir = join(root, 'recordings');
  return existsSync(dir) ? readdirSync(dir).filter((n) => parseRecordingName(n)).length : 0;
}

/**
 * Downloads FSDD (URL: env DUET_FSDD_URL, else FSDD_URL) and installs <dir>/fsdd/recordings.
 * On any failure nothing is left behind: no partial folder, no temporary folder.
 */
export async function fetchFsdd(options: FetchFsddOptions = {}): Promise<FetchFsddResult> {
  const env = options.env ?? process.env;
  const parent = resolve(options.dir ?? cacheDataDir(env));
  const root = join(parent, 'fsdd');
  const url = env.DUET_FSDD_URL || FSDD_URL;
  if (!options.force && recordingCount(root) > 0) return { root, files: recordingCount(root), alreadyPresent: true, url };

  const archive = await download(url, options.onProgress);
  const archiveSha256 = sha256(archive);
  const expectedArchive = env.DUET_FSDD_SHA256 || FSDD_ARCHIVE_SHA256;
  if (expectedArchive && archiveSha256 !== expectedArchive.toLowerCase()) {
    throw new DataError(`${url}: checksum mismatch: the archive's SHA-256 is ${archiveSha256}, expected ${expectedArchive}; nothing was installed`);
  }
  let tar: Uint8Array;
  try {
    tar = gunzipSync(archive, { maxOutputLength: MAX_ARCHIVE_BYTES });
  } catch (error) {
    throw new DataError(`${url}: not a valid .tar.gz (${(error as Error).message}); nothing was installed`);
  }
  const recordings = [];
  for (const entry of readTar(tar, url)) {
    const m = RECORDING_ENTRY.exec(entry.name);
    if (m && entry.type === 'file') recordings.push({ name: m[1], data: entry.data });
  }
  if (!recordings.length) throw new DataError(`${url}: the archive holds no <repo>/recordings/*.wav files; nothing was installed`);
  const recordingsSha256 = recordingsDigest(recordings);
  const expectedRecordings = env.DUET_FSDD_RECORDINGS_SHA256 || FSDD_RECORDINGS_SHA256;
  if (recordingsSha256 !== expectedRecordings.toLowerCase()) {
    throw new DataError(
      `${url}: checksum mismatch: the ${recordings.length} recordings digest to ${recordingsSha256}, expected ${expectedRecordings} (FSDD at ${FSDD_COMMIT}); nothing was installed`,
    );
  }

  // Extract beside the target so the final rename stays on one file system (atomic).
  mkdirSync(parent, { recursive: true });
  const temp = join(parent, `.fsdd-${randomBytes(6).toString('hex')}.tmp`);
  const old = `${root}.old-${randomBytes(6).toString('hex')}`;
  try {
    mkdirSync(join(temp, 'recordings'), { recursive: true });
    for (const r of recordings) writeFileSync(join(temp, 'recordings', r.name), r.data);
    const source = { url, commit: FSDD_COMMIT, archiveSha256, recordingsSha256, files: recordings.length, fetched: new Date().toISOString() };
    writeFileSync(join(temp, 'source.json'), `${JSON.stringify(source, null, 2)}\n`);
    if (existsSync(root)) renameSync(root, old);
    renameSync(temp, root);
  } catch (error) {
    rmSync(temp, { recursive: true, force: true });
    if (existsSync(old) && !existsSync(root)) renameSync(old, root);
    throw error;
  }
  rmSync(old, { recursive: true, force: true });
  return { root, files: recordings.length, alreadyPresent: false, url, archiveSha256, recordingsSha256 };
}
