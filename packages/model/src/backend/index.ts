export { BackendError } from './backend-error';
export { selectBackend, BACKEND_CHOICES, type BackendChoice, type BackendInfo } from './select-backend';
export { registerWasmKernels } from './wasm-kernels/wasm-kernel-layer';
export { nativeThreadCount, setNativeThreads } from './native-kernels/native-addon';
