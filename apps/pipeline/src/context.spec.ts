import type { BackendInfo } from '@digitfuse/model';
import { adviseBackend, type RunContext } from './context';

/** A run context with just what adviseBackend reads: the batch size and a log. */
function contextWith(batchSize: number): { ctx: RunContext; lines: string[] } {
  const lines: string[] = [];
  const ctx = { options: { batchSize }, log: (line: string) => lines.push(line) } as unknown as RunContext;
  return { ctx, lines };
}

const gpu: BackendInfo = { name: 'webgpu', reason: 'auto', adapter: { vendor: 'nvidia', architecture: 'hopper', device: 'NVIDIA H200', fallback: false } };

describe('adviseBackend()', () => {
  it('says once per process, among the stage facts, that a GPU at batch 64 wants 256 or more', () => {
    const { ctx, lines } = contextWith(64);
    adviseBackend(ctx, gpu); // the search
    adviseBackend(ctx, gpu); // the retraining, in the same process
    expect(lines).toEqual([expect.stringMatching(/^ {4}note: --batch-size 64 keeps the GPU mostly idle .*; pass --batch-size 256 or more for epochs several times shorter$/)]);
  });

  it('says once that a software adapter is slower than the CPU kernels', () => {
    const { ctx, lines } = contextWith(256);
    const software: BackendInfo = { name: 'webgpu', reason: '--backend webgpu', adapter: { vendor: 'mesa', architecture: '', device: 'llvmpipe', fallback: true } };
    adviseBackend(ctx, software);
    adviseBackend(ctx, software);
    expect(lines).toEqual([expect.stringMatching(/^ {4}note: webgpu runs here on a software adapter .*; leave out --backend \(auto\) to train on those$/)]);
  });

  it('says nothing at --batch-size 256, or on the CPU path', () => {
    const big = contextWith(256);
    adviseBackend(big.ctx, gpu);
    const cpu = contextWith(64);
    adviseBackend(cpu.ctx, { name: 'wasm', reason: 'auto', simd: true, threads: 1 });
    expect([...big.lines, ...cpu.lines]).toEqual([]);
  });
});
