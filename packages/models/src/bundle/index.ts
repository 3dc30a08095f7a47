// The model bundle: one safetensors file with the config in its metadata (format.ts), and the
// inference path the CLI's predict and the page share (predictor.ts).
export * from './format';
export * from './predictor';
