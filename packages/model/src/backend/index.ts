export { BackendError } from './backend-error';
export { backendAdvice, describeBackend, GPU_MIN_BATCH_SIZE, selectBackend, releaseBackend, BACKEND_CHOICES, type BackendChoice, type BackendInfo, type SelectBackendOptions } from './select-backend';
export type { AdapterDescription } from './webgpu-probe';
export { registerWasmKernels } from './wasm-kernels/wasm-kernel-layer';
export { checkNativeEnvironment, nativeFmaPeak, nativeThreadCount, setNativeThreads, NATIVE_ISAS, type NativeIsa } from './native-kernels/native-addon';
