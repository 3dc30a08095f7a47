/**
 * Audio input: the microphone through an AudioWorklet with a simple energy-based voice
 * activity detector that stops the recording after the speaker falls silent, and WAV files
 * decoded by @duet/data's decodeWav. Samples stay at their own rate here; the page resamples
 * them on the GPU to the model's rate.
 */
import { decodeWav } from '@duet/data';

/** Mono samples at a rate. */
export interface Clip {
  readonly samples: Float32Array;
  readonly sampleRate: number;
}

/** Energy-based voice activity: RMS of 20 ms frames against a threshold above the noise floor. */
export interface VadOptions {
  /** RMS a frame needs to count as voiced, at least (full scale 1). */
  readonly minThreshold: number;
  /** Voiced when RMS exceeds noise floor * this factor (and minThreshold). */
  readonly factor: number;
  /** Silence after speech that ends the recording, seconds. */
  readonly hangover: number;
  /** Longest recording, seconds, whatever the detector says. */
  readonly maxSeconds: number;
}

export const VAD_DEFAULTS: VadOptions = { minThreshold: 0.01, factor: 4, hangover: 0.6, maxSeconds: 4 };

/**
 * Follows the RMS of consecutive frames: `push(frame)` returns 'silence' before speech,
 * 'speech' during it and 'done' once `hangover` seconds of silence followed speech (or the
 * recording is too long). The noise floor is the smallest frame RMS seen so far.
 */
export class VoiceActivity {
  private floor = Infinity;
  private heard = false;
  private quiet = 0;
  private total = 0;
  /** Seconds from the start to the first voiced frame, or null before speech. */
  onset: number | null = null;

  constructor(private readonly sampleRate: number, private readonly options: VadOptions = VAD_DEFAULTS) {}

  push(frame: Float32Array): 'silence' | 'speech' | 'done' {
    let energy = 0;
    for (const v of frame) energy += v * v;
    const rms = Math.sqrt(energy / Math.max(1, frame.length));
    const seconds = frame.length / this.sampleRate;
    this.total += seconds;
    this.floor = Math.min(this.floor, Math.max(rms, 1e-5));
    const voiced = rms > Math.max(this.options.minThreshold, this.floor * this.options.factor);
    if (voiced) {
      if (!this.heard) this.onset = this.total - seconds;
      this.heard = true;
      this.quiet = 0;
    } else if (this.heard) this.quiet += seconds;
    if (this.total >= this.options.maxSeconds || (this.heard && this.quiet >= this.options.hangover)) return 'done';
    return this.heard ? 'speech' : 'silence';
  }
}

/**
 * A microphone recording: start() asks for the microphone and streams blocks to `onBlock`
 * with the samples so far; it stops by itself when the voice activity detector says the
 * utterance is over, or when stop() is called. The promise resolves to the whole clip.
 */
export class MicRecorder {
  private chunks: Float32Array[] = [];
  private stopper: (() => void) | null = null;

  constructor(private readonly workletUrl: string, private readonly onBlock: (clip: Clip, state: 'silence' | 'speech') => void) {}

  get recording(): boolean {
    return this.stopper !== null;
  }

  async start(): Promise<Clip> {
    if (!navigator.mediaDevices?.getUserMedia) throw new Error('this browser gives no access to a microphone (navigator.mediaDevices is missing; the page must be served from localhost or https)');
    const stream = await navigator.mediaDevices.getUserMedia({ audio: { channelCount: 1, echoCancellation: false, noiseSuppression: false, autoGainControl: false } });
    const context = new AudioContext();
    try {
      await context.audioWorklet.addModule(this.workletUrl);
    } catch (error) {
      stream.getTracks().forEach((t) => t.stop());
      await context.close();
      throw error;
    }
    const source = context.createMediaStreamSource(stream);
    const node = new AudioWorkletNode(context, 'duet-recorder');
    const rate = context.sampleRate;
    const vad = new VoiceActivity(rate);
    this.chunks = [];
    return new Promise<Clip>((resolve) => {
      const finish = () => {
        if (!this.stopper) return;
        this.stopper = null;
        node.port.onmessage = null;
        source.disconnect();
        node.disconnect();
        stream.getTracks().forEach((t) => t.stop());
        void context.close();
        // Silence before the word is dropped (all but 0.1 s), so a model reading a fixed-length
        // clip from its start hears the word, as in a recording cut from a corpus.
        const start = vad.onset === null ? 0 : Math.max(0, Math.floor((vad.onset - 0.1) * rate));
        resolve({ samples: concat(this.chunks).subarray(start), sampleRate: rate });
      };
      this.stopper = finish;
      node.port.onmessage = (event: MessageEvent<Float32Array>) => {
        this.chunks.push(event.data);
        const frame = Math.round(rate * 0.02);
        let state: 'silence' | 'speech' | 'done' = 'silence';
        for (let i = 0; i + frame <= event.data.length; i += frame) state = vad.push(event.data.subarray(i, i + frame));
        if (state === 'done') finish();
        else this.onBlock({ samples: concat(this.chunks), sampleRate: rate }, state);
      };
      source.connect(node);
    });
  }

  stop(): void {
    this.stopper?.();
  }
}

/** A WAV file's samples (channels averaged), or an error naming the file. */
export async function readWavFile(file: File): Promise<Clip> {
  const decoded = decodeWav(new Uint8Array(await file.arrayBuffer()), file.name);
  return { samples: decoded.samples, sampleRate: decoded.sampleRate };
}

function concat(chunks: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(chunks.reduce((n, c) => n + c.length, 0));
  let offset = 0;
  for (const c of chunks) {
    out.set(c, offset);
    offset += c.length;
  }
  return out;
}
