/** A tiny ustar writer for tests: regular files, directories, GNU long names and pax headers. */

export interface TarInput {
  name: string;
  data?: Uint8Array | string;
  /** '0' file (default), '5' directory, '2' symlink, 'L' GNU long name, 'x' pax, 'g' pax global. */
  type?: string;
  /** Write the name into the ustar prefix field (for names over 100 bytes). */
  prefix?: string;
}

function header(entry: TarInput, size: number): Uint8Array {
  const block = new Uint8Array(512);
  const put = (at: number, text: string) => block.set(new TextEncoder().encode(text), at);
  put(0, entry.name.slice(0, 100));
  put(100, '0000644\0');
  put(108, '0000000\0');
  put(116, '0000000\0');
  put(124, `${size.toString(8).padStart(11, '0')}\0`);
  put(136, '00000000000\0');
  put(156, entry.type ?? '0');
  put(257, 'ustar\0');
  put(263, '00');
  if (entry.prefix) put(345, entry.prefix);
  put(148, '        ');
  const sum = block.reduce((n, b) => n + b, 0);
  put(148, `${sum.toString(8).padStart(6, '0')}\0 `);
  return block;
}

/** Builds a tar archive (not gzipped) ending with two zero blocks. */
export function writeTar(entries: TarInput[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const entry of entries) {
    const data = typeof entry.data === 'string' ? new TextEncoder().encode(entry.data) : (entry.data ?? new Uint8Array(0));
    parts.push(header(entry, data.length));
    const padded = new Uint8Array(Math.ceil(data.length / 512) * 512);
    padded.set(data);
    parts.push(padded);
  }
  parts.push(new Uint8Array(1024));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) (out.set(p, at), (at += p.length));
  return out;
}

/** One pax record, `"<len> key=value\n"`, where len counts its own UTF-8 bytes. */
export function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  const bytes = (text: string) => new TextEncoder().encode(text).length;
  let length = bytes(body) + 1;
  while (bytes(`${length}${body}`) !== length) length++;
  return `${length}${body}`;
}
