/**
 * Spoken-digit file names. FSDD and AudioMNIST share one pattern, `{digit}_{speaker}_{index}.wav`
 * (FSDD speakers are names like `george`, AudioMNIST's are two-digit folder numbers like `07`).
 * Pure: no `node:` imports.
 */

export interface RecordingName {
  digit: number;
  speaker: string;
  index: number;
}

const RECORDING = /^([0-9])_([A-Za-z0-9-]+)_([0-9]+)\.wav$/;

/** Parses the last path component; undefined when it does not follow the pattern. */
export function parseRecordingName(path: string): RecordingName | undefined {
  const base = path.slice(Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\')) + 1);
  const m = RECORDING.exec(base);
  if (!m) return undefined;
  return { digit: Number(m[1]), speaker: m[2], index: Number(m[3]) };
}
