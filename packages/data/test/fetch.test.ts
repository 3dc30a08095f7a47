import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataError } from '../src/errors';
import { FSDD_RECORDINGS_SHA256, fetchFsdd, recordingsDigest } from '../src/fetch';
import { readTar } from '../src/tar';
import { encodeWav } from '../src/wav';
import { paxRecord, writeTar } from './tar_writer';

const TOP = 'free-spoken-digit-dataset-26eb9aaf76e81b692f806f9140c2d2777410d7a1';
const wavs = ['0_ann_0.wav', '1_ann_0.wav', '7_bob_3.wav'].map((name, i) => ({ name, data: encodeWav(new Float32Array(5 + i).fill(0.25 * i), 8000) }));

/** An archive shaped like GitHub's: a pax global header, a top folder, recordings/, other files. */
function fsddArchive(extra: { name: string; data?: string; type?: string }[] = []): Uint8Array {
  return gzipSync(
    writeTar([
      { name: 'pax_global_header', type: 'g', data: paxRecord('comment', '26eb9aaf76e81b692f806f9140c2d2777410d7a1') },
      { name: `${TOP}/`, type: '5' },
      { name: `${TOP}/README.md`, data: '# FSDD' },
      { name: `${TOP}/recordings/`, type: '5' },
      ...wavs.map((w) => ({ name: `${TOP}/recordings/${w.name}`, data: w.data })),
      ...extra,
    ]),
  );
}

const good = fsddArchive();
const goodSha = createHash('sha256').update(good).digest('hex');
const corrupted = new Uint8Array(good); // a copy (Buffer.slice would share bytes)
corrupted[corrupted.length >> 1] ^= 0xff;
const traversal = fsddArchive([{ name: `${TOP}/../../evil.wav`, data: 'x' }]);
const routes: Record<string, Uint8Array> = { '/good.tar.gz': good, '/corrupted.tar.gz': corrupted, '/traversal.tar.gz': traversal, '/notgzip.tar.gz': new TextEncoder().encode('<html>') };

let server: Server;
let base: string;
const made: string[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    const body = routes[req.url ?? ''];
    if (!body) return void res.writeHead(404).end('not found');
    res.writeHead(200, { 'content-length': body.length, 'content-type': 'application/x-gzip' }).end(body);
  });
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((done) => server.close(done));
  made.forEach((d) => rmSync(d, { recursive: true, force: true }));
});

function target(): string {
  const dir = mkdtempSync(join(tmpdir(), 'duet-fetch-'));
  made.push(dir);
  return dir;
}

const envFor = (route: string, extra: Record<string, string> = {}) => ({
  DUET_FSDD_URL: `${base}${route}`,
  DUET_FSDD_RECORDINGS_SHA256: recordingsDigest(wavs),
  ...extra,
});

describe('fetchFsdd', () => {
  it('downloads, verifies and installs recordings/*.wav only, leaving no temporary folder', async () => {
    const dir = target();
    const progress: number[] = [];
    const result = await fetchFsdd({ dir, env: envFor('/good.tar.gz', { DUET_FSDD_SHA256: goodSha }), onProgress: (r) => progress.push(r) });
    expect(result).toMatchObject({ root: join(dir, 'fsdd'), files: 3, alreadyPresent: false, archiveSha256: goodSha });
    expect(readdirSync(dir)).toEqual(['fsdd']);
    expect(readdirSync(join(dir, 'fsdd')).sort()).toEqual(['recordings', 'source.json']);
    expect(readdirSync(join(dir, 'fsdd', 'recordings')).sort()).toEqual(wavs.map((w) => w.name));
    expect(new Uint8Array(readFileSync(join(dir, 'fsdd', 'recordings', '7_bob_3.wav')))).toEqual(wavs[2].data);
    expect(progress[progress.length - 1]).toBe(good.length);
    // A second fetch finds the copy and downloads nothing; --force replaces it.
    expect(await fetchFsdd({ dir, env: envFor('/missing') })).toMatchObject({ alreadyPresent: true, files: 3 });
    writeFileSync(join(dir, 'fsdd', 'recordings', 'stale.txt'), 'old');
    expect(await fetchFsdd({ dir, force: true, env: envFor('/good.tar.gz') })).toMatchObject({ alreadyPresent: false, files: 3 });
    expect(existsSync(join(dir, 'fsdd', 'recordings', 'stale.txt'))).toBe(false);
    expect(readdirSync(dir)).toEqual(['fsdd']);
  });

  it.each([
    ['a corrupted archive (archive checksum)', '/corrupted.tar.gz', { DUET_FSDD_SHA256: goodSha }, /corrupted\.tar\.gz: checksum mismatch: the archive's SHA-256 is [0-9a-f]{64}, expected [0-9a-f]{64}; nothing was installed/],
    ['a corrupted archive (no archive pin: gzip fails)', '/corrupted.tar.gz', {}, /corrupted\.tar\.gz: (not a valid \.tar\.gz|corrupt tar header)/],
    ['recordings that differ from the pinned FSDD', '/good.tar.gz', { DUET_FSDD_RECORDINGS_SHA256: FSDD_RECORDINGS_SHA256 }, /checksum mismatch: the 3 recordings digest to [0-9a-f]{64}, expected 1801eae0/],
    ['an entry escaping the folder', '/traversal.tar.gz', {}, /entry ".*\/\.\.\/\.\.\/evil\.wav" points outside the extraction folder/],
    ['an HTML page', '/notgzip.tar.gz', {}, /not a valid \.tar\.gz/],
    ['HTTP 404', '/nope.tar.gz', {}, /cannot download http:\/\/127\.0\.0\.1:\d+\/nope\.tar\.gz: HTTP 404/],
  ])('refuses %s with a clear error and leaves nothing behind', async (_, route, extra, message) => {
    const dir = target();
    const run = fetchFsdd({ dir, env: { ...envFor(route), ...extra } });
    await expect(run).rejects.toThrow(DataError);
    await expect(fetchFsdd({ dir, env: { ...envFor(route), ...extra } })).rejects.toThrow(message);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('keeps an existing copy when a forced re-fetch fails', async () => {
    const dir = target();
    mkdirSync(join(dir, 'fsdd', 'recordings'), { recursive: true });
    writeFileSync(join(dir, 'fsdd', 'recordings', '1_old_0.wav'), 'old');
    await expect(fetchFsdd({ dir, force: true, env: envFor('/corrupted.tar.gz', { DUET_FSDD_SHA256: goodSha }) })).rejects.toThrow(/checksum mismatch/);
    expect(readdirSync(dir)).toEqual(['fsdd']);
    expect(readdirSync(join(dir, 'fsdd', 'recordings'))).toEqual(['1_old_0.wav']);
  });

  it('the pinned recordings digest matches the shared copy of FSDD', () => {
    const dir = join(__dirname, '../../../../shared/data/fsdd/recordings');
    const files = readdirSync(dir).map((name) => ({ name, data: readFileSync(join(dir, name)) }));
    expect(recordingsDigest(files)).toBe(FSDD_RECORDINGS_SHA256);
  });
});

describe('readTar', () => {
  it('applies GNU long names, pax paths and ustar prefixes, and reports entry types', () => {
    const long = `${'d'.repeat(60)}/${'f'.repeat(70)}.wav`;
    const tar = writeTar([
      { name: '././@LongLink', type: 'L', data: `${long}\0` },
      { name: 'truncated-name', data: 'one' },
      { name: 'PaxHeader', type: 'x', data: paxRecord('path', 'pax/ünïcode name.wav') },
      { name: 'ignored', data: 'two' },
      { name: 'file.wav', prefix: 'some/prefix', data: 'three' },
      { name: 'dir/', type: '5' },
      { name: 'link', type: '2' },
    ]);
    const entries = [...readTar(tar, 'a.tar')].map((e) => [e.name, e.type, new TextDecoder().decode(e.data)]);
    expect(entries).toEqual([
      [long, 'file', 'one'],
      ['pax/ünïcode name.wav', 'file', 'two'],
      ['some/prefix/file.wav', 'file', 'three'],
      ['dir/', 'directory', ''],
      ['link', 'symlink', ''],
    ]);
  });

  it('rejects a bad header checksum, a truncated entry and absolute paths', () => {
    const tar = writeTar([{ name: 'a.wav', data: 'x'.repeat(600) }]);
    const bad = tar.slice();
    bad[10] ^= 1;
    expect(() => [...readTar(bad, 'a.tar')]).toThrow('a.tar: corrupt tar header at byte 0 (checksum mismatch)');
    expect(() => [...readTar(tar.subarray(0, 700), 'a.tar')]).toThrow('a.tar: truncated: an entry at byte 0 declares 600 bytes, 188 remain');
    expect(() => [...readTar(writeTar([{ name: '/etc/passwd', data: 'x' }]), 'a.tar')]).toThrow(/points outside the extraction folder/);
  });
});
