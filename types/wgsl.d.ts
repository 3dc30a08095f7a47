// .wgsl files are imported as their source text: esbuild's `text` loader in bundles, the
// `wgsl-text` plugin in vitest.shared.ts in tests. Every package tsconfig includes ../../types.
declare module '*.wgsl' {
  const source: string;
  export default source;
}
