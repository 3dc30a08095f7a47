/** Base class of every error the GPU runtime raises on purpose: `message` is one line for a user. */
export class GpuError extends Error {
  override name = 'GpuError';
}

/** No WebGPU adapter could be found; the message lists what was tried and how to get one. */
export class NoAdapterError extends GpuError {
  override name = 'NoAdapterError';
}

/** The device was lost (driver reset, out of memory, `dispose()`); work on it cannot continue. */
export class DeviceLostError extends GpuError {
  override name = 'DeviceLostError';
}

/** A validation or out-of-memory error raised by WebGPU, attributed to the kernel(s) involved. */
export class KernelError extends GpuError {
  override name = 'KernelError';
  constructor(
    readonly kernel: string,
    readonly kind: 'validation' | 'out-of-memory' | 'internal' | 'compilation',
    detail: string,
  ) {
    super(`${kind} error in kernel '${kernel}': ${oneLine(detail)}`);
  }
}

/** A request exceeds one of the adapter's limits (buffer size, workgroups per dimension…). */
export class GpuLimitError extends GpuError {
  override name = 'GpuLimitError';
  constructor(
    readonly limit: string,
    readonly requested: number,
    readonly allowed: number,
    what: string,
  ) {
    super(
      `${what} needs ${limit} = ${requested}, but this adapter allows ${allowed}` +
        ' (try a smaller --batch-size, or another --adapter)',
    );
  }
}

function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
