// Ensembles: several trained unimodal models of one task whose probabilities are averaged
// (spec.ts: the ensemble folder's model.json; ensemble.ts: the members on the GPU and the rule).
export * from './spec';
export * from './ensemble';
