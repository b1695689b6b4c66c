import * as tf from '@tensorflow/tfjs';

/**
 * The pure-JS `cpu` backend prints "Hi, looks like you are running TensorFlow.js in Node.js..." the
 * first time it stores a tensor. The advice does not apply here (selectBackend already tried the
 * native packages), so mark the banner as shown. Safe to call any number of times.
 */
export function silenceCpuBanner(): void {
  const cpu = tf.engine().findBackend('cpu') as (tf.KernelBackend & { firstUse?: boolean }) | null;
  if (cpu != null && 'firstUse' in cpu) {
    cpu.firstUse = false;
  }
}
