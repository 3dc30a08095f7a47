import { PNG } from 'pngjs';
import { describe, expect, it } from 'vitest';
import { confusionSpec, curvesPng } from '../src/plot/charts';
import { niceTicks, waveformMelPng, waveformMelSvg } from '../src/plot/waveform_mel';

describe('figures', () => {
  it('renders the loss/accuracy curves to a real PNG', async () => {
    const png = PNG.sync.read(await curvesPng([{ epoch: 1, train_loss: 2, train_acc: 0.3, test_loss: 2.1, test_acc: 0.25 }, { epoch: 2, train_loss: 1, train_acc: 0.6, test_loss: 1.2, test_acc: 0.5 }], 'run'));
    expect(png.width).toBeGreaterThan(600);
    expect(png.height).toBeGreaterThan(300);
    // Not a blank page: some pixels are not white.
    let ink = 0;
    for (let i = 0; i < png.data.length; i += 4) if (png.data[i] < 200) ink++;
    expect(ink).toBeGreaterThan(500);
  });

  it('puts every cell of the confusion matrix in the chart with its count', () => {
    const spec = confusionSpec([[3, 1], [0, 4]], ['0', '1'], 'cm') as { data: { values: { truth: string; predicted: string; count: number }[] } };
    expect(spec.data.values).toContainEqual({ truth: '0', predicted: '1', count: 1 });
    expect(spec.data.values).toHaveLength(4);
  });

  it('draws the waveform above the mel spectrogram with title, axes and a dB colorbar', () => {
    const samples = Float32Array.from({ length: 4000 }, (_, i) => Math.sin(i / 10) * 0.5);
    const melDb = Float32Array.from({ length: 40 * 51 }, (_, i) => -80 + (i % 51));
    const figure = { title: '3_theo_7.wav', samples, sampleRate: 8000, melDb, nMels: 40, frames: 51, hopSeconds: 80 / 8000 };
    const svg = waveformMelSvg(figure);
    for (const text of ['3_theo_7.wav', 'time (s)', 'mel bin', 'amplitude', 'dB']) expect(svg).toContain(text);
    const png = PNG.sync.read(waveformMelPng(figure));
    expect(png.width).toBe(1350);
  });

  it('picks round tick values', () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(-80, 0, 4)).toEqual([-80, -60, -40, -20, 0]);
  });
});
