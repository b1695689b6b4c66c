import { BackendError } from './backend-error';
import { selectBackend } from './select-backend';
import { autoSelectsWasm } from './test-support';

// A CUDA machine without the CUDA libraries: the package is installed but throws when loaded.
jest.mock(
  '@tensorflow/tfjs-node-gpu',
  () => {
    throw new Error('libcudart.so.11.0: cannot open shared object file: No such file or directory');
  },
  { virtual: true },
);

describe('selectBackend() when tfjs-node-gpu fails to load', () => {
  it('auto says why and falls through to wasm', async () => {
    const { line } = await autoSelectsWasm();
    expect(line).toContain('tfjs-node-gpu failed to load (libcudart.so.11.0: cannot open shared object file');
  });

  it('explicit tensorflow throws BackendError with the load error', async () => {
    const attempt = selectBackend('tensorflow', () => undefined);
    await expect(attempt).rejects.toBeInstanceOf(BackendError);
    await expect(selectBackend('tensorflow', () => undefined)).rejects.toThrow(
      /^--backend tensorflow is not available: tfjs-node-gpu failed to load \(libcudart\.so\.11\.0: .*\); tfjs-node (not installed|failed to load)/,
    );
  });
});
