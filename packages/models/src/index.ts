// @duet/models: named models (network + exact preprocessing + recipe) and their GPU front end.
export * from './preprocessing';
export * from './features';
export * from './architectures';
export * from './registry';
export * from './fusion/index';
export * from './robustness/index';
export * from './ensemble/index';
export * from './bundle/index';
