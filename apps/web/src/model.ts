/**
 * The model the page runs, and the loader of the bundle `duet export` writes.
 *
 * A bundle is a manifest, bundle.json, beside the safetensors files it names:
 *   { "format": "duet-bundle/1", "labels": [10 names],
 *     "image":  { "spec": <model.json of the image model>, "weights": "image.safetensors" },
 *     "audio":  { "spec": <model.json of the audio model>, "weights": "audio.safetensors" },
 *     "fusion": { "kind": "<fusion model name>", "config": {...}, "weights": "fusion.safetensors" } }
 * NOTE: provisional: written before `duet export` exists; the exporter's format is the one that
 * counts, and this file follows it once it lands. The loader trusts nothing in the files and
 * says what is wrong with them; it never makes up a prediction.
 */
import { parseSafetensors, type Safetensors } from '@duet/autograd';
import { parseSpec, type ModelSpec } from '@duet/models';

/** What the page asks of a model: either input may be missing (null). */
export interface DigitModel {
  readonly labels: readonly string[];
  readonly audioSpec: ModelSpec;
  readonly imageSpec: ModelSpec;
  /** image: (28, 28) MNIST-style bytes; audio: mono samples at audioSpec's sample rate. */
  predict(image: Uint8Array | null, audio: Float32Array | null): Promise<DigitPrediction>;
  dispose(): void;
}

export interface DigitPrediction {
  /** Per-class probabilities of each sense alone, null for a missing input. */
  readonly image: readonly number[] | null;
  readonly audio: readonly number[] | null;
  readonly fused: readonly number[];
  /** Attention weight of each sense in the fusion (they sum to 1). */
  readonly weights: { readonly image: number; readonly audio: number };
  /** Index of the decided class. */
  readonly digit: number;
}

export const BUNDLE_FORMAT = 'duet-bundle/1';
export const BUNDLE_MANIFEST = 'bundle.json';

/** A bundle that cannot be used; the message says which file and what is wrong. */
export class BundleError extends Error {
  override name = 'BundleError';
}

/** No bundle is served or given. */
export class NoBundleError extends BundleError {
  constructor(where: string) {
    super(`no model bundle found at ${where} (build one with duet export)`);
  }
}

export interface BundleSection {
  readonly weights: string;
}

export interface BundleManifest {
  readonly format: typeof BUNDLE_FORMAT;
  readonly labels: readonly string[];
  readonly image: BundleSection & { readonly spec: ModelSpec };
  readonly audio: BundleSection & { readonly spec: ModelSpec };
  readonly fusion: BundleSection & { readonly kind: string; readonly config: Record<string, unknown> };
}

export interface Bundle {
  readonly manifest: BundleManifest;
  readonly image: Safetensors;
  readonly audio: Safetensors;
  readonly fusion: Safetensors;
}

/** Parses and checks bundle.json; `source` names it in errors. */
export function parseManifest(text: string, source: string): BundleManifest {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new BundleError(`${source}: not JSON (${(error as Error).message})`);
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) throw new BundleError(`${source}: must hold a JSON object`);
  const m = raw as Record<string, unknown>;
  if (m.format !== BUNDLE_FORMAT) throw new BundleError(`${source}: format is ${short(m.format)}, this page reads ${BUNDLE_FORMAT}`);
  if (!Array.isArray(m.labels) || m.labels.length !== 10 || !m.labels.every((l) => typeof l === 'string')) {
    throw new BundleError(`${source}: labels must list the 10 digit names`);
  }
  const section = (name: 'image' | 'audio' | 'fusion'): Record<string, unknown> => {
    const s = m[name];
    if (typeof s !== 'object' || s === null) throw new BundleError(`${source}: the "${name}" section is missing`);
    const weights = (s as Record<string, unknown>).weights;
    if (typeof weights !== 'string' || !/^[\w.-]+\.safetensors$/.test(weights)) {
      throw new BundleError(`${source}: ${name}.weights must name a .safetensors file beside it (letters, digits, '.', '_', '-'), got ${short(weights)}`);
    }
    return s as Record<string, unknown>;
  };
  const spec = (name: 'image' | 'audio', kind: 'image' | 'audio'): ModelSpec => {
    const parsed = parseSpec(JSON.stringify(section(name).spec ?? null), `${source}: ${name}.spec`);
    if (parsed.preprocessing.kind !== kind) throw new BundleError(`${source}: ${name}.spec is a model of ${parsed.preprocessing.kind}, not ${kind}`);
    if (parsed.labels.join('\u0000') !== (m.labels as string[]).join('\u0000')) throw new BundleError(`${source}: ${name}.spec's labels differ from the bundle's`);
    return parsed;
  };
  const imageSpec = wrapConfig(() => spec('image', 'image'));
  const audioSpec = wrapConfig(() => spec('audio', 'audio'));
  const fusion = section('fusion');
  if (typeof fusion.kind !== 'string' || !fusion.kind) throw new BundleError(`${source}: fusion.kind must name the fusion model`);
  return {
    format: BUNDLE_FORMAT,
    labels: m.labels as string[],
    image: { spec: imageSpec, weights: section('image').weights as string },
    audio: { spec: audioSpec, weights: section('audio').weights as string },
    fusion: { kind: fusion.kind, config: (fusion.config ?? {}) as Record<string, unknown>, weights: fusion.weights as string },
  };
}

/** Reads a bundle through `read(name)` (null when the file does not exist); `where` names it in messages. */
export async function loadBundle(read: (name: string) => Promise<Uint8Array | null>, where: string): Promise<Bundle> {
  const text = await read(BUNDLE_MANIFEST);
  if (text === null) throw new NoBundleError(where);
  const manifest = parseManifest(new TextDecoder().decode(text), `${where}${BUNDLE_MANIFEST}`);
  const weights = async (name: string): Promise<Safetensors> => {
    const bytes = await read(name);
    if (bytes === null) throw new BundleError(`${where}${BUNDLE_MANIFEST} names ${name}, which is missing`);
    try {
      return parseSafetensors(bytes, `${where}${name}`);
    } catch (error) {
      throw new BundleError((error as Error).message);
    }
  };
  return { manifest, image: await weights(manifest.image.weights), audio: await weights(manifest.audio.weights), fusion: await weights(manifest.fusion.weights) };
}

/** Reads from the page's own origin; 404 means absent. */
export function fetchReader(base: string): (name: string) => Promise<Uint8Array | null> {
  return async (name) => {
    const response = await fetch(new URL(name, new URL(base, location.href)), { cache: 'no-store' });
    if (response.status === 404) return null;
    if (!response.ok) throw new BundleError(`${base}${name}: the server answered ${response.status} ${response.statusText}`);
    return new Uint8Array(await response.arrayBuffer());
  };
}

/** Reads from files a user dropped or picked. */
export function filesReader(files: Iterable<File>): (name: string) => Promise<Uint8Array | null> {
  const byName = new Map([...files].map((f) => [f.name, f]));
  return async (name) => {
    const file = byName.get(name);
    return file ? new Uint8Array(await file.arrayBuffer()) : null;
  };
}

function wrapConfig<T>(fn: () => T): T {
  try {
    return fn();
  } catch (error) {
    if (error instanceof BundleError) throw error;
    throw new BundleError((error as Error).message);
  }
}

function short(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
