/**
 * Throughput of the front end on the current adapter: a batch of 1 s clips at 8 kHz through
 * spectrogram -> mel -> dB, for torchaudio's defaults and the 8 kHz settings.
 *   node scripts/run-ts.mjs packages/dsp/scripts/bench_front_end.ts [batch]
 */
import { acquireGpu } from '@duet/gpu/node';
import { randomArray } from '@duet/gpu/testing';
import { fromData, free } from '@duet/kernels';
import { MelSpectrogram, createStftTables, frameCount, freeStftTables, spectrogram, stftStrategies } from '../src/index';

const batch = Number(process.argv[2] ?? 64);
const samples = 8000;
const ctx = await acquireGpu();
console.log(`adapter: ${ctx.adapter.name} (${ctx.adapter.backend}); batch ${batch} x ${samples} samples`);
const clips = fromData(ctx, randomArray(batch * samples, 1), [batch, samples], 'clips');
for (const [name, config] of [
  ['defaults', {}],
  ['8k', { sampleRate: 8000, nFft: 256, hopLength: 80, nMels: 40 }],
] as const) {
  const transform = new MelSpectrogram(ctx, config);
  const run = () => free(ctx, transform.forward(clips, true));
  await ctx.time(run); // warm-up: compiles the pipelines
  const best = Math.min(await ctx.time(run), await ctx.time(run), await ctx.time(run));
  console.log(`${name.padEnd(9)} log-mel ${(best * 1000).toFixed(1)} ms per batch, ${((batch * samples) / 8000 / best).toFixed(0)} s of audio per s`);
  const frames = frameCount(samples, transform.config);
  const macs = batch * frames * (transform.config.nFft / 2 + 1) * transform.config.nFft * 2;
  for (const strategy of stftStrategies(ctx, transform.config.nFft)) {
    const tables = createStftTables(ctx, transform.config, strategy);
    const stft = () => free(ctx, spectrogram(ctx, clips, transform.config, tables));
    await ctx.time(stft);
    const seconds = Math.min(await ctx.time(stft), await ctx.time(stft), await ctx.time(stft));
    console.log(`          stft '${strategy}' ${(seconds * 1000).toFixed(1)} ms (${(macs / seconds / 1e9).toFixed(2)} G DFT-equivalent MAC/s)`);
    freeStftTables(ctx, tables);
  }
  transform.dispose();
}
free(ctx, clips);
ctx.dispose();
