/**
 * `duet split --strategy random|official|speaker --out DIR`: writes the lab's train.csv and
 * test.csv (`path,label`, no header, paths relative to the corpus root) and prints the lab's
 * analysis of the split: speakers per set, count and share of each digit per set and overall.
 */
import { join } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import {
  analyzeSplit,
  findAudioCorpus,
  leaveOneSpeakerOut,
  officialSplit,
  randomSplit,
  scanCorpus,
  speakerSplit,
  writeSplit,
  type CorpusEntry,
  type Split,
  type SplitAnalysis,
  type SplitStrategy,
} from '@duet/data/node';
import { CliError } from '../errors';
import { runCommand } from '../run';

interface SplitOptions {
  audioDir?: string;
  strategy: SplitStrategy;
  testFraction?: number;
  testSpeakers?: string[];
  seed: number;
  out: string;
}

const STRATEGIES: readonly SplitStrategy[] = ['random', 'official', 'speaker'];

function strategy(value: string): SplitStrategy {
  if (!(STRATEGIES as readonly string[]).includes(value)) throw new InvalidArgumentError(`expected one of ${STRATEGIES.join(', ')}`);
  return value as SplitStrategy;
}

function fraction(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !(n > 0 && n < 1)) throw new InvalidArgumentError('expected a number between 0 and 1 (exclusive)');
  return n;
}

function seed(value: string): number {
  const n = Number(value);
  if (!/^\s*\d+\s*$/.test(value) || n > 0xffffffff) throw new InvalidArgumentError('expected an integer from 0 to 4294967295');
  return n;
}

function speakerList(value: string): string[] {
  const names = value.split(',').map((s) => s.trim()).filter(Boolean);
  if (!names.length) throw new InvalidArgumentError('expected speaker names separated by commas');
  return names;
}

const percent = (p: number) => `${(100 * p).toFixed(1)}%`;

/** The lab's analysis as text: one line per set for speakers, one row per digit. */
export function formatAnalysis(a: SplitAnalysis): string {
  const lines = [
    `speakers: train ${a.train.speakers.length} (${a.train.speakers.join(', ')}), test ${a.test.speakers.length} (${a.test.speakers.join(', ')})`,
    `recordings: train ${a.train.count}, test ${a.test.count}, overall ${a.overall.count}`,
    '',
    `${'digit'.padEnd(7)}${'train'.padEnd(16)}${'test'.padEnd(16)}overall`,
  ];
  const cell = (s: SplitAnalysis['train'], d: number) => `${s.labels[d].count} (${percent(s.labels[d].proportion)})`.padEnd(16);
  for (let d = 0; d < 10; d++) lines.push(`${String(d).padEnd(7)}${cell(a.train, d)}${cell(a.test, d)}${cell(a.overall, d).trimEnd()}`);
  lines.push('');
  if (a.sharedSpeakers.length) {
    lines.push(
      `note: ${a.sharedSpeakers.length} speaker${a.sharedSpeakers.length > 1 ? 's are' : ' is'} in both train and test (${a.sharedSpeakers.join(', ')}): ` +
        'accuracy on this split does not measure recognition of new voices.',
    );
  } else {
    lines.push('no speaker is in both train and test: accuracy on this split measures recognition of new voices.');
  }
  return `${lines.join('\n')}\n`;
}

function writeOne(out: string, split: Split<CorpusEntry>, root: string): void {
  const files = writeSplit(out, split);
  process.stdout.write(`wrote ${files.train} (${split.train.length}) and ${files.test} (${split.test.length}); paths are relative to ${root}\n\n`);
  process.stdout.write(formatAnalysis(analyzeSplit(split)));
}

export function registerSplit(program: Command): void {
  program
    .command('split')
    .description("write train.csv and test.csv (the lab's `path,label` format) and show how the split is balanced")
    .option('--audio-dir <dir>', 'the spoken-digit corpus (default: $DUET_DATA, then the user cache; see `duet data status`)')
    .requiredOption('--strategy <name>', `how to split: ${STRATEGIES.join(', ')}`, strategy)
    .option('--test-fraction <f>', 'share of recordings in the test set (random strategy)', fraction)
    .option('--test-speakers <names>', 'speakers held out for testing, comma-separated (speaker strategy; none: one fold per speaker)', speakerList)
    .option('--seed <n>', 'seed of the random shuffle (mulberry32)', seed, 42)
    .requiredOption('--out <dir>', 'folder that receives train.csv and test.csv')
    .action((options: SplitOptions) =>
      runCommand(() => {
        if (options.testFraction !== undefined && options.strategy !== 'random') throw new CliError('--test-fraction applies to --strategy random only');
        if (options.testSpeakers && options.strategy !== 'speaker') throw new CliError('--test-speakers applies to --strategy speaker only');
        const found = findAudioCorpus(options.audioDir);
        const corpus = scanCorpus(found.root, found.kind);
        process.stdout.write(`corpus: ${corpus.kind} at ${corpus.root} (${corpus.entries.length} recordings)\n`);
        if (corpus.unmatched.length) {
          const shown = corpus.unmatched.slice(0, 5).join(', ');
          process.stderr.write(`duet: ${corpus.unmatched.length} files do not follow {digit}_{speaker}_{index}.wav and are left out: ${shown}${corpus.unmatched.length > 5 ? ', ...' : ''}\n`);
        }
        if (options.strategy === 'random') {
          const testFraction = options.testFraction ?? 0.25;
          process.stdout.write(`strategy: random, seed ${options.seed}, test fraction ${testFraction}\n`);
          writeOne(options.out, randomSplit(corpus.entries, testFraction, options.seed), corpus.root);
        } else if (options.strategy === 'official') {
          process.stdout.write('strategy: official (repetitions 0-4 test, 5-49 train)\n');
          writeOne(options.out, officialSplit(corpus.entries), corpus.root);
        } else if (options.testSpeakers) {
          process.stdout.write(`strategy: speaker, test speakers ${options.testSpeakers.join(', ')}\n`);
          writeOne(options.out, speakerSplit(corpus.entries, options.testSpeakers), corpus.root);
        } else {
          const folds = leaveOneSpeakerOut(corpus.entries);
          process.stdout.write(`strategy: leave one speaker out, ${folds.length} folds\n`);
          for (const fold of folds) {
            const files = writeSplit(join(options.out, fold.speaker), fold);
            process.stdout.write(`  ${fold.speaker}: ${files.train} (${fold.train.length}), ${files.test} (${fold.test.length})\n`);
          }
          process.stdout.write(`paths are relative to ${corpus.root}; no speaker of a fold's test set is in its training set\n`);
        }
      }),
    );
}
