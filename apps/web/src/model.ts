/**
 * The model the page runs: the one-file bundle `duet export` writes (@duet/models' bundle
 * format: a safetensors file with the config, all preprocessing included, in its metadata),
 * served as model/bundle.safetensors (serve.mjs --model DIR or FILE) or chosen by the user.
 * Inference is @duet/models' BundlePredictor, the same code `duet predict` runs: the page's
 * decision is the CLI's on the same inputs. The loader trusts nothing in the file and says what
 * is wrong with it; it never makes up a prediction.
 */
import type { GpuContext } from '@duet/gpu';
import { BundleError, BundlePredictor, decodeBundle, type Bundle, type BundleKind, type Clip, type Prediction } from '@duet/models';

/** Where the server puts the bundle, relative to the page's model/ folder. */
export const BUNDLE_FILE = 'bundle.safetensors';

export type DigitPrediction = Prediction;

/** What the page asks of a model: either input may be missing (null). */
export interface DigitModel {
  readonly kind: BundleKind;
  readonly labels: readonly string[];
  /** Whether the model has each sense. */
  readonly senses: { readonly image: boolean; readonly audio: boolean };
  /** image: (28, 28) MNIST-style bytes; audio: a mono clip at any rate (resampled to the model's). */
  predict(image: Uint8Array | null, audio: Clip | null): Promise<DigitPrediction>;
  dispose(): void;
}

export { BundleError };

/** No bundle is served or given. */
export class NoBundleError extends BundleError {
  constructor(where: string) {
    super(`no model bundle found at ${where} (build one with duet export)`);
  }
}

/** The served bundle: `${base}bundle.safetensors` on the page's own origin; 404 means none. */
export async function fetchBundle(base: string): Promise<Bundle> {
  const where = `${base}${BUNDLE_FILE}`;
  const response = await fetch(new URL(BUNDLE_FILE, new URL(base, location.href)), { cache: 'no-store' });
  if (response.status === 404) throw new NoBundleError(where);
  if (!response.ok) throw new BundleError(`${where}: the server answered ${response.status} ${response.statusText}`);
  return decodeBundle(new Uint8Array(await response.arrayBuffer()), where);
}

/** A bundle file the user chose or dropped. */
export async function fileBundle(file: File): Promise<Bundle> {
  return decodeBundle(new Uint8Array(await file.arrayBuffer()), file.name);
}

/** A bundle on the GPU; building it checks every tensor against the architecture. */
export function bundleModel(ctx: GpuContext, bundle: Bundle): DigitModel {
  const predictor = new BundlePredictor(ctx, bundle);
  const { config } = bundle;
  // One prediction at a time: the page's inputs change faster than lavapipe answers.
  let queue: Promise<unknown> = Promise.resolve();
  return {
    kind: config.kind,
    labels: config.labels,
    senses: { image: config.image !== null, audio: config.audio !== null },
    predict(image, audio) {
      const run = queue.then(() =>
        predictor.predict({ image: config.image ? image : null, audio: config.audio ? audio : null }),
      );
      queue = run.catch(() => undefined);
      return run;
    },
    dispose: () => predictor.dispose(),
  };
}

/** One line describing a loaded bundle. */
export function describeBundle(bundle: Bundle, where: string): string {
  const { config } = bundle;
  const models = config.ensemble ? `ensemble of ${config.ensemble.members.map((m) => m.model).join(', ')}` : [config.image?.model, config.audio?.model].filter(Boolean).join(' + ');
  const rule = config.kind === 'late' ? `, rule ${config.fusion!.late!.method}` : '';
  return `Model: ${config.kind} (${models}${rule}) from ${where}.`;
}
