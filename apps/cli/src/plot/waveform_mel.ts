/**
 * The lab's figure for one clip: the waveform (time in seconds) above the mel spectrogram in dB
 * (inferno colormap, colorbar, axis labels, title with the file name). Drawn as SVG by hand —
 * the spectrogram is one embedded PNG raster, not thousands of rectangles — then rasterised.
 */
import { PNG } from 'pngjs';
import * as vega from 'vega';
import { FONT, svgToPng } from './render';

export interface WaveformMelFigure {
  readonly title: string;
  readonly samples: Float32Array;
  readonly sampleRate: number;
  /** Mel spectrogram in dB, row-major (nMels, frames). */
  readonly melDb: Float32Array;
  readonly nMels: number;
  readonly frames: number;
  /** Seconds between frames (hop / sample rate), for the time axis. */
  readonly hopSeconds: number;
}

const W = 900;
const LEFT = 70;
const PLOT_W = 700;
const WAVE_TOP = 50;
const WAVE_H = 170;
const MEL_TOP = 290;
const MEL_H = 260;
const H = 610;

export function waveformMelPng(figure: WaveformMelFigure): Buffer {
  return svgToPng(waveformMelSvg(figure), 1.5);
}

export function waveformMelSvg(f: WaveformMelFigure): string {
  const duration = f.samples.length / f.sampleRate;
  const parts: string[] = [];
  parts.push(`<text x="${W / 2}" y="26" text-anchor="middle" font-size="17" font-weight="bold">${escapeXml(f.title)}</text>`);

  // Waveform: min/max envelope per pixel column, which stays faithful at any zoom.
  const peak = Math.max(1e-9, ...f.samples.map(Math.abs));
  const yRange = Math.min(1, Math.max(peak * 1.1, 1e-3));
  const wy = (v: number) => WAVE_TOP + WAVE_H / 2 - (v / yRange) * (WAVE_H / 2);
  const path: string[] = [];
  for (let px = 0; px < PLOT_W; px++) {
    const a = Math.floor((px / PLOT_W) * f.samples.length);
    const b = Math.max(a + 1, Math.floor(((px + 1) / PLOT_W) * f.samples.length));
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = a; i < b && i < f.samples.length; i++) {
      lo = Math.min(lo, f.samples[i]);
      hi = Math.max(hi, f.samples[i]);
    }
    if (lo === Infinity) continue;
    path.push(`M${(LEFT + px + 0.5).toFixed(1)},${wy(hi).toFixed(1)}V${wy(lo).toFixed(1)}`);
  }
  parts.push(frame(LEFT, WAVE_TOP, PLOT_W, WAVE_H));
  parts.push(`<path d="${path.join('')}" stroke="#1f77b4" stroke-width="1"/>`);
  parts.push(...xAxis(duration, WAVE_TOP + WAVE_H, 'time (s)'));
  parts.push(...yAxis([-yRange, 0, yRange].map((v) => ({ value: v, label: v.toFixed(2) })), (v) => wy(v), 'amplitude'));

  // Mel spectrogram: low mel bins at the bottom, like matplotlib's origin='lower'.
  const finite = [...f.melDb].filter(Number.isFinite);
  const vmax = Math.max(...finite);
  const vmin = Math.min(...finite);
  const melSeconds = f.frames * f.hopSeconds;
  const melWidth = Math.max(1, Math.round(PLOT_W * Math.min(1, melSeconds / duration)));
  parts.push(`<image x="${LEFT}" y="${MEL_TOP}" width="${melWidth}" height="${MEL_H}" preserveAspectRatio="none" image-rendering="optimizeSpeed" href="${rasterDataUri(f.melDb, f.nMels, f.frames, vmin, vmax)}"/>`);
  parts.push(frame(LEFT, MEL_TOP, PLOT_W, MEL_H));
  parts.push(...xAxis(duration, MEL_TOP + MEL_H, 'time (s)'));
  const melTicks = niceTicks(0, f.nMels - 1, 5).map((v) => ({ value: v, label: String(Math.round(v)) }));
  parts.push(...yAxis(melTicks, (v) => MEL_TOP + MEL_H - ((v + 0.5) / f.nMels) * MEL_H, 'mel bin'));

  // Colorbar in dB.
  const cbX = LEFT + PLOT_W + 25;
  parts.push(`<image x="${cbX}" y="${MEL_TOP}" width="18" height="${MEL_H}" preserveAspectRatio="none" href="${colorbarDataUri()}"/>`);
  parts.push(frame(cbX, MEL_TOP, 18, MEL_H));
  for (const v of niceTicks(vmin, vmax, 5)) {
    const y = MEL_TOP + MEL_H - ((v - vmin) / Math.max(1e-9, vmax - vmin)) * MEL_H;
    parts.push(`<line x1="${cbX + 18}" x2="${cbX + 22}" y1="${y}" y2="${y}" stroke="black"/>`);
    parts.push(`<text x="${cbX + 25}" y="${y + 4}" font-size="11">${v.toFixed(0)}</text>`);
  }
  parts.push(`<text x="${cbX + 9}" y="${MEL_TOP - 8}" text-anchor="middle" font-size="12">dB</text>`);

  return `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="${FONT}"><rect width="100%" height="100%" fill="white"/>${parts.join('')}</svg>`;
}

function frame(x: number, y: number, w: number, h: number): string {
  return `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="black" stroke-width="1"/>`;
}

function xAxis(duration: number, y: number, label: string): string[] {
  const out: string[] = [];
  for (const t of niceTicks(0, duration, 8)) {
    const x = LEFT + (t / duration) * PLOT_W;
    out.push(`<line x1="${x}" x2="${x}" y1="${y}" y2="${y + 5}" stroke="black"/>`);
    out.push(`<text x="${x}" y="${y + 18}" text-anchor="middle" font-size="11">${formatTick(t)}</text>`);
  }
  out.push(`<text x="${LEFT + PLOT_W / 2}" y="${y + 36}" text-anchor="middle" font-size="12">${label}</text>`);
  return out;
}

function yAxis(ticks: { value: number; label: string }[], toY: (v: number) => number, label: string): string[] {
  const out: string[] = [];
  let mid = 0;
  for (const t of ticks) {
    const y = toY(t.value);
    mid += y / ticks.length;
    out.push(`<line x1="${LEFT - 5}" x2="${LEFT}" y1="${y}" y2="${y}" stroke="black"/>`);
    out.push(`<text x="${LEFT - 8}" y="${y + 4}" text-anchor="end" font-size="11">${t.label}</text>`);
  }
  out.push(`<text transform="translate(18 ${mid}) rotate(-90)" text-anchor="middle" font-size="12">${label}</text>`);
  return out;
}

/** About `count` round tick values covering [lo, hi]. */
export function niceTicks(lo: number, hi: number, count: number): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / count;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 2.5, 5, 10].map((m) => m * magnitude).find((s) => s >= raw) ?? 10 * magnitude;
  const ticks: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) ticks.push(Number(v.toFixed(10)));
  return ticks;
}

function formatTick(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toFixed(2).replace(/0+$/, '');
}

let inferno: Uint8Array | null = null;
/** Matplotlib's inferno colormap as a 256-entry RGB table (from vega's scheme). */
function infernoTable(): Uint8Array {
  if (inferno) return inferno;
  const interpolate = vega.scheme('inferno') as (t: number) => string;
  inferno = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) {
    const rgb = parseColor(interpolate(i / 255));
    inferno.set(rgb, i * 3);
  }
  return inferno;
}

function parseColor(css: string): [number, number, number] {
  const hex = /^#([0-9a-f]{6})$/i.exec(css);
  if (hex) {
    const n = parseInt(hex[1], 16);
    return [(n >> 16) & 255, (n >> 8) & 255, n & 255];
  }
  const rgb = /rgb\((\d+),\s*(\d+),\s*(\d+)\)/.exec(css);
  if (rgb) return [Number(rgb[1]), Number(rgb[2]), Number(rgb[3])];
  throw new Error(`unexpected colour '${css}' from the inferno scheme`);
}

function rasterDataUri(values: Float32Array, rows: number, cols: number, vmin: number, vmax: number): string {
  const png = new PNG({ width: cols, height: rows });
  const lut = infernoTable();
  const span = Math.max(1e-9, vmax - vmin);
  for (let r = 0; r < rows; r++) {
    const y = rows - 1 - r;
    for (let c = 0; c < cols; c++) {
      const v = values[r * cols + c];
      const k = Number.isFinite(v) ? Math.min(255, Math.max(0, Math.round(((v - vmin) / span) * 255))) : 0;
      const o = (y * cols + c) * 4;
      png.data[o] = lut[k * 3];
      png.data[o + 1] = lut[k * 3 + 1];
      png.data[o + 2] = lut[k * 3 + 2];
      png.data[o + 3] = 255;
    }
  }
  return `data:image/png;base64,${PNG.sync.write(png).toString('base64')}`;
}

function colorbarDataUri(): string {
  const values = new Float32Array(256);
  for (let i = 0; i < 256; i++) values[i] = i;
  return rasterDataUri(values, 256, 1, 0, 255);
}

function escapeXml(text: string): string {
  return text.replace(/[<>&"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', '"': '&quot;' })[c] as string);
}
