/**
 * The page: a drawing pad and a microphone / WAV input feed one digit model; every kernel
 * runs on the user's GPU through @duet/gpu's browser entry. window.duet exposes the page's
 * state (the 28x28 image, the analysed clip and its mel spectrogram, the kernel parity set)
 * to the end-to-end tests and to anyone curious in the console.
 */
import { acquireBrowserGpu, type AdapterSummary, type GpuContext } from '@duet/gpu/browser';
import type { MnistStyle } from '@duet/data';
import { getModel, type AudioPreprocessing, type Bundle } from '@duet/models';
import { MicRecorder, readWavFile, type Clip } from './audio';
import { AudioFrontEnd, drawMel, drawWaveform, type Analysis } from './audio_view';
import { DrawingPad } from './drawing';
import { bundleModel, describeBundle, fetchBundle, fileBundle, type DigitModel, type DigitPrediction } from './model';
import { runParityKernels, type ParityResult } from './parity';
import { showResults } from './results';

const LABELS = ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];

function $<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

/** What the page knows, for tests and the console. */
interface PageState {
  ready: boolean;
  adapter: AdapterSummary | null;
  gpuError: string | null;
  modelStatus: string;
  image: MnistStyle | null;
  audioSource: 'microphone' | 'file' | null;
  audio: Analysis | null;
  /** The clip as recorded or read, at its own rate: what the model is given (it resamples). */
  clip: Clip | null;
  /** The model's last answer on the current inputs (null when there is none). */
  prediction: DigitPrediction | null;
  /** Predictions finished so far (increments on each). */
  predictions: number;
  /** Whether `prediction` answers the latest inputs (false while a newer one runs). */
  settled: boolean;
  /** Analyses of the clip so far while recording (increments on each). */
  liveUpdates: number;
  errors: string[];
  parity(seed: number): Promise<Record<string, ParityResult>>;
}

const state: PageState = {
  ready: false,
  adapter: null,
  gpuError: null,
  modelStatus: '',
  image: null,
  audioSource: null,
  audio: null,
  clip: null,
  prediction: null,
  predictions: 0,
  settled: true,
  liveUpdates: 0,
  errors: [],
  parity: () => Promise.reject(new Error('no GPU: the kernels cannot run')),
};
(window as unknown as { duet: PageState }).duet = state;

const results = { decision: $('decision'), image: $<HTMLOListElement>('probs-image'), audio: $<HTMLOListElement>('probs-audio'), fused: $<HTMLOListElement>('probs-fused'), weights: $('weights') };

function setStatus(id: string, text: string, error = false): void {
  const el = $(id);
  el.textContent = text;
  el.classList.toggle('error', error);
  if (error) state.errors.push(text);
}

let ctx: GpuContext | null = null;
let model: DigitModel | null = null;
let frontEnd: AudioFrontEnd | null = null;

let requested = 0;

/** Reruns the model on the current inputs; says why there is no result when there is none. */
async function update(): Promise<void> {
  const seq = ++requested;
  state.settled = false;
  try {
    await answer(seq);
  } finally {
    if (seq === requested) state.settled = true;
  }
}

async function answer(seq: number): Promise<void> {
  if (!model) {
    showResults(results, LABELS, null, '–');
    return;
  }
  const image = model.senses.image ? state.image?.pixels ?? null : null;
  const audio = model.senses.audio ? state.clip : null;
  if (!image && !audio) {
    state.prediction = null;
    const wants = [model.senses.image && 'draw', model.senses.audio && 'say'].filter(Boolean).join(' or ');
    showResults(results, model.labels, null, `${wants} a digit`);
    return;
  }
  const current = model;
  const prediction = await current.predict(image, audio);
  // Newer inputs, or a bundle loaded meanwhile, make this answer stale.
  if (current !== model || seq !== requested) return;
  state.prediction = prediction;
  state.predictions++;
  showResults(results, model.labels, prediction);
}

function report(where: string, error: unknown): void {
  const message = error instanceof Error ? error.message : String(error);
  setStatus(where, message, true);
}

// Audio: the latest clip waits while one analysis runs, so live updates never pile up.
let pending: { clip: Clip; live: boolean } | null = null;
let analysing = false;

function analyse(clip: Clip, live: boolean): void {
  pending = { clip, live };
  if (!analysing) void pump();
}

async function pump(): Promise<void> {
  analysing = true;
  try {
    while (pending) {
      const { clip, live } = pending;
      pending = null;
      if (!frontEnd) throw new Error('no WebGPU device: the mel spectrogram cannot be computed');
      const analysis = await frontEnd.analyse(clip);
      drawWaveform($<HTMLCanvasElement>('waveform'), analysis.samples);
      drawMel($<HTMLCanvasElement>('mel'), analysis.mel);
      if (live) {
        state.liveUpdates++;
        continue;
      }
      state.audio = analysis;
      state.clip = clip;
      const seconds = (analysis.samples.length / analysis.sampleRate).toFixed(2);
      setStatus('audio-status', `${state.audioSource === 'file' ? 'File' : 'Recording'}: ${seconds} s at ${analysis.sampleRate} Hz, mel ${analysis.mel.shape.join('x')}.`);
      await update();
    }
  } catch (error) {
    report('audio-status', error);
  } finally {
    analysing = false;
  }
}

function setupAudio(pre: AudioPreprocessing): void {
  const button = $<HTMLButtonElement>('record');
  const recorder = new MicRecorder(new URL('recorder.js', location.href).href, (clip, voice) => {
    setStatus('audio-status', voice === 'speech' ? 'Listening… (stops when you fall silent)' : 'Listening… say a digit');
    analyse(clip, true);
  });
  button.addEventListener('click', async () => {
    if (recorder.recording) {
      recorder.stop();
      return;
    }
    button.textContent = 'Stop';
    button.classList.add('recording');
    try {
      const clip = await recorder.start();
      state.audioSource = 'microphone';
      analyse(clip, false);
    } catch (error) {
      report('audio-status', new Error(`microphone: ${(error as Error).message}`));
    } finally {
      button.textContent = 'Record';
      button.classList.remove('recording');
    }
  });
  const takeFile = async (file: File | undefined) => {
    if (!file) return;
    try {
      const clip = await readWavFile(file);
      state.audioSource = 'file';
      analyse(clip, false);
    } catch (error) {
      report('audio-status', error);
    }
  };
  const input = $<HTMLInputElement>('wav-input');
  input.addEventListener('change', () => void takeFile(input.files?.[0]));
  const zone = $('drop-zone');
  zone.addEventListener('dragover', (e) => {
    e.preventDefault();
    zone.classList.add('over');
  });
  zone.addEventListener('dragleave', () => zone.classList.remove('over'));
  zone.addEventListener('drop', (e) => {
    e.preventDefault();
    zone.classList.remove('over');
    void takeFile(e.dataTransfer?.files[0]);
  });
  setStatus('audio-status', `No audio yet. Clips are resampled to ${pre.sampleRate} Hz.`);
}

/** Puts a bundle on the GPU (checking every tensor) and reruns the current inputs through it. */
async function useBundle(load: () => Promise<Bundle>, where: string): Promise<void> {
  try {
    const bundle = await load();
    if (!ctx) throw new Error(`${where}: the model cannot run without WebGPU`);
    const next = bundleModel(ctx, bundle);
    model?.dispose();
    model = next;
    // The waveform and mel views follow the model's own front end.
    const pre = bundle.config.audio?.preprocessing as AudioPreprocessing | undefined;
    if (pre && JSON.stringify(pre) !== JSON.stringify(frontEnd?.pre)) {
      // An analysis in flight keeps using the old one; it is left to the garbage collector then.
      if (!analysing) frontEnd?.dispose();
      frontEnd = new AudioFrontEnd(ctx, pre);
    }
    state.modelStatus = describeBundle(bundle, where);
    setStatus('model-status', state.modelStatus);
    await update();
  } catch (error) {
    state.modelStatus = error instanceof Error ? error.message : String(error);
    // A missing bundle is as much a stop as a broken one: nothing can be recognised without it.
    setStatus('model-status', state.modelStatus, true);
  }
}

async function main(): Promise<void> {
  const pad = new DrawingPad($<HTMLCanvasElement>('pad'), $<HTMLCanvasElement>('preview'), (image) => {
    state.image = image;
    void update().catch((error) => report('model-status', error));
  });
  $('clear').addEventListener('click', () => pad.clear());
  showResults(results, LABELS, null);

  try {
    ctx = await acquireBrowserGpu();
    state.adapter = ctx.adapter;
    setStatus('gpu-status', `WebGPU: ${ctx.adapter.description}${ctx.adapter.isSoftware ? ' (software: slow but exact)' : ''}.`);
    const gpu = ctx;
    state.parity = (seed) => runParityKernels(gpu, seed);
  } catch (error) {
    state.gpuError = `WebGPU is not available: ${(error as Error).message}. Drawing still shows the 28x28 input, but nothing can be recognised.`;
    setStatus('gpu-status', state.gpuError, true);
  }

  const pre = getModel('audio-cnn').preprocessing() as AudioPreprocessing;
  if (ctx) frontEnd = new AudioFrontEnd(ctx, pre);
  setupAudio(pre);
  await useBundle(() => fetchBundle('model/'), 'model/');
  const bundleInput = $<HTMLInputElement>('bundle-input');
  bundleInput.addEventListener('change', () => {
    const file = bundleInput.files?.[0];
    if (file) void useBundle(() => fileBundle(file), file.name);
  });
  state.ready = true;
}

main().catch((error) => report('gpu-status', error));
