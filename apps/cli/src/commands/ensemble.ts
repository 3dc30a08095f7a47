/**
 * `duet ensemble RUN… --out DIR`: one model made of two or more trained unimodal runs
 * (`duet train audio|image` folders) of the same task and labels, which may differ in
 * architecture and preprocessing. DIR/model.json (format duet-ensemble/1) lists the members and
 * the rule (the mean of the members' probabilities); DIR/members/N/ holds member N's
 * model.json and model.safetensors, copied, so DIR is self-contained and can be moved.
 * `duet eval`, `duet export` (then `duet predict` and the page) take DIR like a run folder.
 * The folder is written beside DIR under a temporary name and renamed into place, so DIR is
 * either the old ensemble or the new one, never half of one.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseSafetensors } from '@duet/autograd';
import { writeFileAtomic } from '@duet/autograd/node';
import { ENSEMBLE_FORMAT, makeEnsembleSpec, memberPath, modelFileFormat, type EnsembleSpec } from '@duet/models';
import { CliError } from '../errors';
import { readRunFiles, type RunFiles } from '../model_dir';
import { runCommand } from '../run';

interface EnsembleOptions {
  out: string;
}

/**
 * Whether `out` may be replaced: absent, an empty folder, or an earlier ensemble. Anything
 * else (a training run given as --out by mistake) is refused, never deleted.
 */
function checkOut(out: string): void {
  if (!existsSync(out)) return;
  if (!statSync(out).isDirectory()) throw new CliError(`--out ${out}: exists and is not a folder`);
  if (readdirSync(out).length === 0) return;
  const spec = join(out, 'model.json');
  if (existsSync(spec) && modelFileFormat(readFileSync(spec, 'utf8')) === ENSEMBLE_FORMAT) return;
  throw new CliError(`--out ${out}: exists and is not an ensemble folder (choose a new folder; it is never overwritten)`);
}

/** Writes the ensemble into a temporary sibling of `out`, then renames it into place. */
export function writeEnsemble(spec: EnsembleSpec, runs: readonly RunFiles[], out: string): void {
  const target = resolve(out);
  const parent = dirname(target);
  mkdirSync(parent, { recursive: true });
  const tmp = join(parent, `.${basename(target)}.tmp-${process.pid}`);
  rmSync(tmp, { recursive: true, force: true });
  try {
    runs.forEach((r, i) => {
      const at = join(tmp, memberPath(i));
      mkdirSync(at, { recursive: true });
      copyFileSync(join(r.dir, 'model.json'), join(at, 'model.json'));
      copyFileSync(r.weights, join(at, 'model.safetensors'));
    });
    writeFileAtomic(join(tmp, 'model.json'), new TextEncoder().encode(`${JSON.stringify(spec, null, 2)}\n`));
    if (existsSync(target)) {
      // rename() cannot replace a non-empty folder: move the old one aside first.
      const old = join(parent, `.${basename(target)}.old-${process.pid}`);
      renameSync(target, old);
      renameSync(tmp, target);
      rmSync(old, { recursive: true, force: true });
    } else {
      renameSync(tmp, target);
    }
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export function registerEnsemble(program: Command): void {
  program
    .command('ensemble')
    .description('combine two or more trained runs of one task into one model that averages their probabilities')
    .argument('<runs...>', 'folders of `duet train audio|image` runs (model.json + model.safetensors)')
    .requiredOption('--out <dir>', 'the ensemble folder to write (model.json + members/N/)')
    .action((dirs: string[], o: EnsembleOptions) =>
      runCommand(async () => {
        const seen = new Map<string, string>();
        for (const d of dirs) {
          const key = resolve(d);
          if (seen.has(key)) throw new CliError(`${d}: given twice (as ${seen.get(key)}); each run is one member`);
          seen.set(key, d);
        }
        if (seen.has(resolve(o.out))) throw new CliError(`--out ${o.out}: is one of the runs`);
        const runs = dirs.map((d) => readRunFiles(d, 'ensemble:'));
        const spec = makeEnsembleSpec(runs.map((r) => ({ spec: r.spec, where: r.dir, source: resolve(r.dir) })));
        for (const r of runs) {
          // A truncated or foreign weights file is refused now, not at the first eval.
          parseSafetensors(new Uint8Array(readFileSync(r.weights)), r.weights);
        }
        checkOut(o.out);
        writeEnsemble(spec, runs, o.out);
        process.stdout.write(`wrote ${resolve(o.out)}: ${spec.task} ensemble of ${runs.length} (${runs.map((r) => `${r.spec.model} from ${r.dir}`).join(', ')}), mean of probabilities\n`);
      }),
    );
}
