/**
 * The lab's split CSV: one `path,label` line per recording, no header, paths relative to the
 * audio (corpus root) directory, e.g. `recordings/3_theo_11.wav,3`. Pure: no `node:` imports.
 */
import { DataError } from './errors';
import { parseRecordingName } from './names';

export interface SplitRow {
  /** As written in the file. */
  path: string;
  digit: number;
  /** From the file name when it follows `{digit}_{speaker}_{index}.wav`. */
  speaker?: string;
  /** 1-based line number in the CSV. */
  line: number;
}

/** Formats rows as the lab's CSV. Paths holding a comma, quote or line break are refused. */
export function formatSplitCsv(rows: readonly { path: string; digit: number }[]): string {
  return rows
    .map(({ path, digit }) => {
      if (/[,"\r\n]/.test(path)) throw new DataError(`cannot write ${JSON.stringify(path)} to a split CSV: it holds a comma, quote or line break`);
      if (!Number.isInteger(digit) || digit < 0 || digit > 9) throw new DataError(`cannot write ${path} with label ${digit}: labels are digits 0-9`);
      return `${path},${digit}\n`;
    })
    .join('');
}

/** Text from a file as a short JSON string with C0/C1 control characters and DEL escaped: safe to print on one line. */
export function quoted(text: string): string {
  const json = JSON.stringify(text).replace(/[\u007f-\u009f]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  // Long text keeps its start and its end (where a path's file name is).
  return json.length > 120 ? `${json.slice(0, 60)}...${json.slice(-60)}` : json;
}

/** True for `/x`, `\\server\x` and `C:\x` / `C:/x`. */
export function isAbsolutePath(path: string): boolean {
  return path.startsWith('/') || path.startsWith('\\') || /^[A-Za-z]:[\\/]/.test(path);
}

/** True when a relative path climbs above its base folder once `..` segments are applied. */
export function escapesBase(path: string): boolean {
  let depth = 0;
  for (const segment of path.split(/[\\/]/)) {
    if (segment === '..') depth--;
    else if (segment !== '' && segment !== '.') depth++;
    if (depth < 0) return true;
  }
  return false;
}

/**
 * Parses a split CSV, checking every line: two fields, a label 0-9 that agrees with the file name
 * when the name carries a digit, no duplicate paths, and no relative path that climbs out of the
 * audio directory (absolute paths are taken as the user wrote them).
 * Errors read `<fileName>:<line>: <problem>`.
 */
export function parseSplitCsv(text: string, fileName: string): SplitRow[] {
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  if (lines[lines.length - 1] === '') lines.pop(); // the final newline
  const rows: SplitRow[] = [];
  const seen = new Map<string, number>();
  lines.forEach((raw, i) => {
    const line = i + 1;
    const fail = (problem: string): never => {
      throw new DataError(`${fileName}:${line}: ${problem}`);
    };
    const text = raw.endsWith('\r') ? raw.slice(0, -1) : raw;
    if (text.trim() === '') fail('empty line');
    const fields = text.split(',');
    if (fields.length !== 2) fail(`expected "path,label", found ${fields.length} field${fields.length === 1 ? '' : 's'}`);
    const [path, label] = fields;
    if (!/^[0-9]$/.test(label.trim())) {
      fail(`label ${quoted(label)} is not a digit 0-9${line === 1 ? ' (split CSVs have no header line)' : ''}`);
    }
    if (path.trim() !== path || path === '') fail(`path ${quoted(path)} is empty or has surrounding spaces`);
    if (/[\u0000-\u001f\u007f-\u009f]/.test(path)) fail(`path ${quoted(path)} holds a control character`); // later messages print the path as is
    if (!isAbsolutePath(path) && escapesBase(path)) fail(`path ${path} escapes the audio directory`);
    const digit = Number(label.trim());
    const name = parseRecordingName(path);
    if (name && name.digit !== digit) fail(`label ${digit} disagrees with the file name ${path} (digit ${name.digit})`);
    const previous = seen.get(path);
    if (previous !== undefined) fail(`${path} already listed on line ${previous}`);
    seen.set(path, line);
    rows.push({ path, digit, speaker: name?.speaker, line });
  });
  return rows;
}
