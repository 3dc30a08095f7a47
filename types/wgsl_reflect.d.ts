// wgsl_reflect's package.json says "type": "module" but its "main" is CommonJS, so Node cannot
// import the bare name; every tool here (Node, vitest, esbuild, browsers) can import the ES
// module file directly. This gives that path the package's own types.
declare module 'wgsl_reflect/wgsl_reflect.module.js' {
  export * from 'wgsl_reflect';
}
