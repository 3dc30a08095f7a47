/**
 * A small tar reader for ustar, GNU (long names, base-256 sizes) and pax (path, size) archives,
 * enough for GitHub's archive downloads. Pure: it reads an already-gunzipped Uint8Array.
 * Every header checksum is verified, every size is checked against the archive length, and an
 * entry whose path is absolute or climbs out with `..` rejects the whole archive.
 */
import { DataError } from './errors';
import { escapesBase, isAbsolutePath, quoted } from './split_csv';

export type TarEntryType = 'file' | 'directory' | 'symlink' | 'hardlink' | 'other';

export interface TarEntry {
  /** Path inside the archive, `/`-separated. */
  name: string;
  type: TarEntryType;
  size: number;
  /** The entry's bytes, a view into the archive. */
  data: Uint8Array;
}

const BLOCK = 512;
const decoder = new TextDecoder();

function text(block: Uint8Array, at: number, length: number): string {
  const field = block.subarray(at, at + length);
  const end = field.indexOf(0);
  return decoder.decode(end < 0 ? field : field.subarray(0, end));
}

/** A numeric field: octal ASCII, or GNU base-256 when the first byte's high bit is set. */
function number(block: Uint8Array, at: number, length: number): number {
  if (block[at] & 0x80) {
    let value = block[at] & 0x7f;
    for (let i = 1; i < length; i++) value = value * 256 + block[at + i];
    return value;
  }
  const digits = text(block, at, length).trim();
  return digits === '' ? 0 : /^[0-7]+$/.test(digits) ? parseInt(digits, 8) : Number.NaN;
}

function checksumOk(block: Uint8Array): boolean {
  const stored = number(block, 148, 8);
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < BLOCK; i++) {
    const b = i >= 148 && i < 156 ? 0x20 : block[i];
    unsigned += b;
    signed += b > 127 ? b - 256 : b; // some old writers summed signed chars
  }
  return stored === unsigned || stored === signed;
}

/** Parses pax records `"<len> <key>=<value>\n"`. */
function paxRecords(data: Uint8Array, archive: string): Map<string, string> {
  const records = new Map<string, string>();
  let at = 0;
  while (at < data.length) {
    const space = data.indexOf(0x20, at);
    const length = space < 0 ? Number.NaN : Number(decoder.decode(data.subarray(at, space)));
    if (!Number.isInteger(length) || length <= 0 || at + length > data.length) throw new DataError(`${archive}: malformed pax header`);
    const record = decoder.decode(data.subarray(space + 1, at + length - 1));
    const eq = record.indexOf('=');
    if (eq > 0) records.set(record.slice(0, eq), record.slice(eq + 1));
    at += length;
  }
  return records;
}

const TYPES: Record<string, TarEntryType> = { '0': 'file', '\0': 'file', '7': 'file', '5': 'directory', '2': 'symlink', '1': 'hardlink' };

/** Walks the entries of a tar archive (not gzipped). Meta entries (pax, GNU long names) are applied, not yielded. */
export function* readTar(bytes: Uint8Array, archive: string): Generator<TarEntry> {
  let at = 0;
  let longName: string | undefined;
  let pax = new Map<string, string>();
  while (at + BLOCK <= bytes.length) {
    const block = bytes.subarray(at, at + BLOCK);
    if (block.every((b) => b === 0)) return; // end-of-archive marker
    if (!checksumOk(block)) throw new DataError(`${archive}: corrupt tar header at byte ${at} (checksum mismatch)`);
    const flag = String.fromCharCode(block[156]);
    const size = pax.has('size') ? Number(pax.get('size')) : number(block, 124, 12);
    if (!Number.isSafeInteger(size) || size < 0) throw new DataError(`${archive}: bad size field in the tar header at byte ${at}`);
    const dataAt = at + BLOCK;
    if (dataAt + size > bytes.length) throw new DataError(`${archive}: truncated: an entry at byte ${at} declares ${size} bytes, ${bytes.length - dataAt} remain`);
    const data = bytes.subarray(dataAt, dataAt + size);
    at = dataAt + Math.ceil(size / BLOCK) * BLOCK;
    if (flag === 'L') {
      longName = text(data, 0, data.length);
      continue;
    }
    if (flag === 'x') {
      pax = paxRecords(data, archive);
      continue;
    }
    if (flag === 'g' || flag === 'K') continue; // global pax comment (GitHub stores the commit there), GNU long link name
    const ustarPrefix = text(block, 257, 6) === 'ustar' ? text(block, 345, 155) : '';
    const name = pax.get('path') ?? longName ?? (ustarPrefix ? `${ustarPrefix}/${text(block, 0, 100)}` : text(block, 0, 100));
    longName = undefined;
    pax = new Map();
    if (isAbsolutePath(name) || escapesBase(name)) throw new DataError(`${archive}: entry ${quoted(name)} points outside the extraction folder`);
    yield { name, type: TYPES[flag] ?? 'other', size, data };
  }
}
