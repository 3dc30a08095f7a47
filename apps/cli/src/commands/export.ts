/**
 * `duet export --model RUN --out FILE`: one self-contained model bundle (packages/models
 * bundle: a safetensors file whose metadata holds the config with all preprocessing) from
 * - a unimodal run (`duet train audio|image`): model.json + model.safetensors;
 * - an ensemble folder (`duet ensemble`): each member's weights under `audio.N.` / `image.N.`;
 * - a fused run (`duet train fusion`): fusion.json, and for early / intermediate / attention
 *   the network's weights (model.safetensors); for late fusion the two unimodal models'
 *   weights (image.safetensors and audio.safetensors, or image/ and audio/ run folders with
 *   model.safetensors).
 * The bundle is read back and built on the GPU before it is written, so a bundle that is
 * written is one `duet predict` and the page can load.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { parseSafetensors, type HostTensor } from '@duet/autograd';
import { writeFileAtomic } from '@duet/autograd/node';
import { BundlePredictor, decodeBundle, encodeBundle, ensembleConfig, fusionConfig, memberPrefix, parseFusionSpec, prefixed, unimodalConfig, type BundleConfig } from '@duet/models';
import { CliError } from '../errors';
import { readModelDir } from '../model_dir';
import { addAdapterOption, withGpu } from '../gpu';
import { runCommand } from '../run';

interface ExportOptions {
  model: string;
  out: string;
  adapter?: string;
}

function weights(file: string): Map<string, HostTensor> {
  return parseSafetensors(new Uint8Array(readFileSync(file)), file).tensors;
}

/** The first of `candidates` (relative to dir) that exists. */
function firstFile(dir: string, candidates: string[], what: string): string {
  const found = candidates.map((c) => join(dir, c)).find((f) => existsSync(f));
  if (!found) throw new CliError(`--model ${dir}: ${what} not found (looked for ${candidates.join(', ')})`);
  return found;
}

/** The config and tensors of a run folder. */
export function readRun(dir: string): { config: BundleConfig; tensors: [string, HostTensor][] } {
  if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`--model ${dir}: not a folder (give a training run's --out folder)`);
  const fusionFile = join(dir, 'fusion.json');
  if (existsSync(fusionFile)) {
    const spec = parseFusionSpec(readFileSync(fusionFile, 'utf8'), fusionFile);
    const config = fusionConfig(spec);
    if (spec.fusion !== 'late') return { config, tensors: [...weights(firstFile(dir, ['model.safetensors', 'fusion.safetensors'], `the ${spec.fusion} network's weights`))] };
    const part = (which: 'image' | 'audio') => prefixed(`${which}.`, weights(firstFile(dir, [`${which}.safetensors`, join(which, 'model.safetensors')], `the ${which} model's weights`)));
    return { config, tensors: [...part('image'), ...part('audio')] };
  }
  if (!existsSync(join(dir, 'model.json'))) throw new CliError(`--model ${dir}: neither fusion.json nor model.json + model.safetensors is there`);
  const model = readModelDir(dir);
  if (model.kind === 'model') {
    const { spec } = model.run;
    return { config: unimodalConfig(spec), tensors: prefixed(`${spec.preprocessing.kind}.`, weights(model.run.weights)) };
  }
  const task = model.spec.task;
  return {
    config: ensembleConfig(model.spec, model.members.map((m) => m.spec)),
    tensors: model.members.flatMap((m, i) => prefixed(memberPrefix(task, i), weights(m.weights))),
  };
}

export function registerExport(program: Command): void {
  const command = program
    .command('export')
    .description('write a trained model (unimodal or fused run) as one self-contained bundle for duet predict and the page')
    .requiredOption('--model <dir>', 'folder of a training run (model.json or fusion.json with the weights) or of an ensemble (duet ensemble)')
    .requiredOption('--out <file>', 'the bundle to write (e.g. digits.duet.safetensors)');
  addAdapterOption(command).action((o: ExportOptions) =>
    runCommand(async () => {
      const { config, tensors } = readRun(o.model);
      const bytes = encodeBundle(config, tensors);
      const bundle = decodeBundle(bytes, `--model ${o.model}`);
      // Building it checks every tensor's name and shape against the architecture.
      await withGpu({ adapter: o.adapter }, async (ctx) => {
        new BundlePredictor(ctx, bundle).dispose();
        // Let the uploads finish before the device goes (Dawn on lavapipe can crash otherwise).
        await ctx.sync();
      });
      writeFileAtomic(o.out, bytes);
      const models = config.ensemble ? `ensemble of ${config.ensemble.members.map((m) => m.model).join(', ')}` : [config.image?.model, config.audio?.model].filter(Boolean).join(' + ');
      process.stdout.write(`wrote ${resolve(o.out)}: ${config.kind} bundle (${models}), ${tensors.length} tensors, ${(bytes.length / 1024).toFixed(1)} KiB\n`);
    }),
  );
}
