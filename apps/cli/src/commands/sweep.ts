/**
 * `duet sweep --grid FILE.json --out DIR`: one `duet train fusion` run per grid point in
 * DIR/<run name>/, its `duet eval fusion` report in DIR/<run name>/eval/, then
 * DIR/leaderboard.md and DIR/leaderboard.json. Each run is a child process (a crash or a GPU
 * failure stops that run only). Resumable: a run with a report is skipped, a run with a
 * checkpoint continues with --resume.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { writeFileAtomic } from '@duet/autograd/node';
import { CliError } from '../errors';
import { addAdapterOption } from '../gpu';
import { runCommand } from '../run';
import { parseGrid, trainArgs, type Grid } from '../fusion/grid';
import type { FusionReport } from '../fusion/report';

interface SweepOptions {
  grid: string;
  out: string;
  adapter?: string;
}

export interface LeaderboardRow {
  readonly run: string;
  readonly settings: Readonly<Record<string, unknown>>;
  readonly status: 'done' | 'failed';
  /** The run's own fusion method in the report ('attention', 'late-disagreement', ...). */
  readonly method: string | null;
  readonly accuracy: number | null;
  readonly image: number | null;
  readonly audio: number | null;
  readonly ece: number | null;
  readonly audioWhite0db: number | null;
  readonly imageBlank: number | null;
  readonly audioMissing: number | null;
}

const log = (line: string) => process.stderr.write(`${line}\n`);

function duet(args: string[]): number {
  const result = spawnSync(process.execPath, [process.argv[1], ...args], { stdio: ['ignore', 'inherit', 'inherit'] });
  return result.status ?? 1;
}

/** The leaderboard row of a finished (or failed) run. */
export function leaderboardRow(name: string, settings: Readonly<Record<string, unknown>>, report: FusionReport | null): LeaderboardRow {
  const empty = { method: null, accuracy: null, image: null, audio: null, ece: null, audioWhite0db: null, imageBlank: null, audioMissing: null };
  if (!report) return { run: name, settings, status: 'failed', ...empty };
  const method = report.fusion === 'late' ? `late-${String(settings.lateRule ?? 'disagreement')}` : report.fusion;
  const at = (id: string) => report.robustness.find((p) => p.id === id)?.accuracy[method] ?? null;
  return {
    run: name, settings, status: 'done', method,
    accuracy: report.methods[method]?.accuracy ?? null,
    image: report.methods.image?.accuracy ?? null,
    audio: report.methods.audio?.accuracy ?? null,
    ece: report.methods[method]?.calibration.ece ?? null,
    audioWhite0db: at('audio-white-0db'),
    imageBlank: at('image-blank'),
    audioMissing: at('audio-missing'),
  };
}

/** Best accuracy first; failed runs last; ties by run name. */
export function rankRows(rows: readonly LeaderboardRow[]): LeaderboardRow[] {
  return [...rows].sort((a, b) => (b.accuracy ?? -1) - (a.accuracy ?? -1) || (a.run < b.run ? -1 : 1));
}

export function leaderboardMarkdown(grid: Grid, rows: readonly LeaderboardRow[]): string {
  const pct = (v: number | null) => (v === null ? '-' : (100 * v).toFixed(2));
  const lines = [
    `# Sweep leaderboard: ${grid.file}`,
    '',
    `${rows.length} runs; varied: ${grid.varied.join(', ')}. Accuracies in % on each run's clean test pairs; ECE in %; robustness columns are the run's fusion.`,
    '',
    `| rank | run | ${grid.varied.join(' | ')} | method | accuracy | image | audio | ECE | audio 0 dB | image blank | audio missing |`,
    `|---:|---|${grid.varied.map(() => '---|').join('')}---|---:|---:|---:|---:|---:|---:|---:|`,
  ];
  rows.forEach((r, i) => {
    const varied = grid.varied.map((k) => String(r.settings[k]));
    lines.push(`| ${i + 1} | ${r.run} | ${varied.join(' | ')} | ${r.status === 'failed' ? 'failed' : r.method} | ${pct(r.accuracy)} | ${pct(r.image)} | ${pct(r.audio)} | ${pct(r.ece)} | ${pct(r.audioWhite0db)} | ${pct(r.imageBlank)} | ${pct(r.audioMissing)} |`);
  });
  return `${lines.join('\n')}\n`;
}

async function sweep(o: SweepOptions): Promise<void> {
  if (!existsSync(o.grid)) throw new CliError(`--grid ${o.grid} does not exist`);
  const grid = parseGrid(readFileSync(o.grid, 'utf8'), o.grid);
  mkdirSync(o.out, { recursive: true });
  const adapter = o.adapter ? ['--adapter', o.adapter] : [];
  const rows: LeaderboardRow[] = [];
  for (const [i, { name, settings }] of grid.runs.entries()) {
    const dir = join(o.out, name);
    const reportFile = join(dir, 'eval', 'report.json');
    if (existsSync(reportFile)) {
      log(`[${i + 1}/${grid.runs.length}] ${name}: done already, skipped`);
    } else {
      const resume = existsSync(join(dir, 'checkpoint.safetensors')) ? ['--resume'] : [];
      log(`[${i + 1}/${grid.runs.length}] ${name}: ${resume.length ? 'resuming' : 'training'}`);
      const trained = duet(['train', 'fusion', ...trainArgs(settings), '--out', dir, ...resume, ...adapter]) === 0;
      if (!trained || duet(['eval', 'fusion', '--model', dir, '--out', join(dir, 'eval'), '--seed', String(grid.evalSeed), ...adapter]) !== 0) {
        log(`${name}: failed (see the messages above); the sweep goes on`);
      }
    }
    const report = existsSync(reportFile) ? (JSON.parse(readFileSync(reportFile, 'utf8')) as FusionReport) : null;
    rows.push(leaderboardRow(name, settings, report));
  }
  const ranked = rankRows(rows);
  writeFileAtomic(join(o.out, 'leaderboard.json'), new TextEncoder().encode(`${JSON.stringify({ format: 'duet-leaderboard/1', grid: grid.file, varied: grid.varied, runs: ranked }, null, 2)}\n`));
  writeFileAtomic(join(o.out, 'leaderboard.md'), new TextEncoder().encode(leaderboardMarkdown(grid, ranked)));
  process.stdout.write(leaderboardMarkdown(grid, ranked));
  if (rows.some((r) => r.status === 'failed')) process.exitCode = 1;
}

export function registerSweep(program: Command): void {
  const command = program
    .command('sweep')
    .description('train and evaluate a grid of fusion configurations, then rank them (leaderboard.md, leaderboard.json)')
    .requiredOption('--grid <file>', 'JSON: {"base": {field: value}, "grid": {field: [values]}, "evalSeed": n}; fields are `duet train fusion` options in camelCase')
    .requiredOption('--out <dir>', 'folder of the runs and the leaderboard');
  addAdapterOption(command).action((o: SweepOptions) => runCommand(() => sweep(o)));
}
