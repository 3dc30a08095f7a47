// Fusion of the image and audio models: packed inputs and modality dropout, the fused networks
// (early, intermediate, attention), late fusion and calibration on the host, report figures.
export * from './inputs';
export * from './networks';
export * from './calibration';
export * from './late';
export * from './reliability';
export * from './evaluation';
export * from './spec';
