/**
 * Every tunable of the GPU runtime, with its default. Nothing else in Duet hides a knob.
 */
export interface GpuFlags {
  /**
   * Dispatches recorded before the runtime submits the encoder by itself. 0 means only on an
   * explicit flush or readback, which is what a training step wants (one step, one submit).
   */
  maxDispatchesPerSubmit: number;
  /**
   * Wrap every dispatch in its own validation error scope so an error names the exact kernel.
   * Slow (one round trip per dispatch); the default scopes each submit, and Dawn's message
   * still carries the labels of the pipeline and buffers involved.
   */
  debugErrorScopes: boolean;
  /** Pooled buffers are rounded up to a multiple of this many bytes, so near sizes share. */
  bufferSizeQuantum: number;
  /** Free pooled bytes kept for reuse before the pool starts destroying released buffers. */
  maxPooledBytes: number;
  /** Timed repetitions per candidate when the runtime picks a kernel variant for an adapter. */
  tuneRepetitions: number;
  /**
   * Bind groups (with their params uniform) remembered by kernel, buffers and params values, so
   * a training step that repeats the last one's dispatches creates and writes nothing. A
   * combination is remembered the second time it is dispatched; entries past this many are not
   * remembered; 0 turns the cache off.
   */
  bindGroupCacheSize: number;
  /**
   * On a software adapter (lavapipe, SwiftShader), sync() and reads first sleep this fraction of
   * the time the submitted work is expected to take still (from the recent waits), then wait.
   * NOTE: waiting for the queue (dawn.node polls with setImmediate) keeps the JS thread busy,
   * taking a core from the driver's threads that run the work; 0 always waits at once. time()
   * waits at once unless its caller passes a sleep (its figure must not include an oversleep).
   */
  syncSleepFraction: number;
  /**
   * In Node on a software adapter, waiting for the GPU blocks the JS thread this many ms at a time
   * between turns of dawn.node's polling loop (which otherwise spins while any of its promises
   * is pending), so the wait takes a poll every slice instead of a core from the driver's
   * threads. 0 leaves dawn.node's loop spinning. Browsers ignore it (their main thread may not block).
   */
  pollSliceMs: number;
  /**
   * In Node, keep Vulkan's robustBufferAccess on lavapipe. Off by default (Dawn's
   * disable_robustness toggle): lavapipe checks every storage access against the buffer's size
   * by itself (a read out of range gives 0, a write is dropped; test/context.test.ts checks it),
   * and with the feature on it spent 8-10% more CPU per lab-cnn training step (2 threads, three
   * alternating pairs of processes). Other adapters always keep it.
   */
  lavapipeRobustness: boolean;
}

export const defaultFlags: Readonly<GpuFlags> = Object.freeze({
  maxDispatchesPerSubmit: 0,
  debugErrorScopes: false,
  bufferSizeQuantum: 16,
  maxPooledBytes: 1 << 30,
  tuneRepetitions: 3,
  bindGroupCacheSize: 4096,
  syncSleepFraction: 0.7,
  pollSliceMs: 0.5,
  lavapipeRobustness: false,
});
