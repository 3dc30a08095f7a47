/**
 * The fuzz targets, one row per parser a user can reach. To add one, write a `Target` in this folder and list it here;
 * main.ts, the CI slice and the regression replay pick it up by name.
 */
import type { Target } from '../target';
import { bundle } from './bundle';
import { fusionJson } from './fusion_json';
import { idx, idxGz } from './idx';
import { image } from './image';
import { modelJson } from './model_json';
import { safetensors } from './safetensors';
import { splitCsv } from './split_csv';
import { sweepGrid } from './sweep_grid';
import { tar } from './tar';
import { wav } from './wav';

export const targets: readonly Target[] = [wav, idx, idxGz, splitCsv, tar, safetensors, image, modelJson, fusionJson, bundle, sweepGrid];

/** Parsers issue 8 names that do not exist yet, so they have no target. */
export const pending: string[] = [];
