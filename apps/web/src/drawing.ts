/**
 * The drawing pad: strokes from pointer events (mouse, pen, touch alike), dark ink on white
 * paper, and the MNIST-style 28x28 image it becomes (@duet/data's mnistStyle, the function
 * `duet predict` uses) drawn into the preview canvas.
 */
import { MNIST_SIZE, mnistStyle, type MnistStyle } from '@duet/data';

/** Stroke width in pad pixels: about what a pen digit is on a 280-pixel pad (MNIST-like weight). */
export const LINE_WIDTH = 18;

export class DrawingPad {
  private readonly pad: CanvasRenderingContext2D;
  private readonly preview: CanvasRenderingContext2D;
  private last: { x: number; y: number } | null = null;
  private activePointer: number | null = null;
  /** The latest MNIST-style image, or null while the pad is blank. */
  current: MnistStyle | null = null;

  constructor(private readonly padCanvas: HTMLCanvasElement, previewCanvas: HTMLCanvasElement, private readonly onChange: (image: MnistStyle | null) => void) {
    this.pad = context2d(padCanvas, true);
    this.preview = context2d(previewCanvas, false);
    this.clear();
    padCanvas.addEventListener('pointerdown', (e) => this.down(e));
    padCanvas.addEventListener('pointermove', (e) => this.move(e));
    padCanvas.addEventListener('pointerup', (e) => this.up(e));
    padCanvas.addEventListener('pointercancel', (e) => this.up(e));
  }

  clear(): void {
    this.pad.fillStyle = '#fff';
    this.pad.fillRect(0, 0, this.padCanvas.width, this.padCanvas.height);
    this.update();
  }

  /** The pad's pixels, (height, width, 4) RGBA: what mnistStyle is given. */
  pixels(): ImageData {
    return this.pad.getImageData(0, 0, this.padCanvas.width, this.padCanvas.height);
  }

  private point(e: PointerEvent): { x: number; y: number } {
    // CSS size may differ from the canvas's own size (narrow screens): map back to canvas pixels.
    const rect = this.padCanvas.getBoundingClientRect();
    return { x: ((e.clientX - rect.left) * this.padCanvas.width) / rect.width, y: ((e.clientY - rect.top) * this.padCanvas.height) / rect.height };
  }

  private down(e: PointerEvent): void {
    if (this.activePointer !== null) return;
    this.activePointer = e.pointerId;
    // Capture keeps a stroke that leaves the pad; untrusted (scripted) pointers cannot be captured.
    if (e.isTrusted) this.padCanvas.setPointerCapture(e.pointerId);
    this.last = this.point(e);
    this.stroke(this.last, this.last);
    e.preventDefault();
  }

  private move(e: PointerEvent): void {
    if (e.pointerId !== this.activePointer || !this.last) return;
    // Coalesced events keep fast pen strokes smooth where the browser batches them.
    const events = typeof e.getCoalescedEvents === 'function' ? e.getCoalescedEvents() : [];
    for (const ev of events.length ? events : [e]) {
      const p = this.point(ev);
      this.stroke(this.last, p);
      this.last = p;
    }
  }

  private up(e: PointerEvent): void {
    if (e.pointerId !== this.activePointer) return;
    this.activePointer = null;
    this.last = null;
    this.update();
  }

  private stroke(from: { x: number; y: number }, to: { x: number; y: number }): void {
    const g = this.pad;
    g.strokeStyle = '#000';
    g.lineWidth = LINE_WIDTH;
    g.lineCap = 'round';
    g.lineJoin = 'round';
    g.beginPath();
    g.moveTo(from.x, from.y);
    g.lineTo(to.x, to.y);
    g.stroke();
  }

  /** Recomputes the 28x28 image after a stroke ends (or a clear) and tells the page. */
  private update(): void {
    const { width, height, data } = this.pixels();
    this.current = mnistStyle({ width, height, rgba: data });
    const image = this.preview.createImageData(MNIST_SIZE, MNIST_SIZE);
    for (let i = 0; i < MNIST_SIZE * MNIST_SIZE; i++) {
      const v = this.current ? this.current.pixels[i] : 0;
      image.data.set([v, v, v, 255], 4 * i);
    }
    this.preview.putImageData(image, 0, 0);
    this.onChange(this.current);
  }
}

function context2d(canvas: HTMLCanvasElement, readBack: boolean): CanvasRenderingContext2D {
  const g = canvas.getContext('2d', { willReadFrequently: readBack });
  if (!g) throw new Error(`no 2D context for #${canvas.id}`);
  return g;
}
