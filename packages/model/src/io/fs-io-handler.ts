import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ModelFileError } from '../errors';
import { writeFileAtomicAsync } from '@digitfuse/core';

/** File names of a model in TF.js layers format. */
export const MODEL_JSON = 'model.json';
export const WEIGHTS_BIN = 'weights.bin';

/**
 * A `tf.io.IOHandler` over Node's `fs` that reads and writes the TF.js layers format (model.json +
 * one weights.bin) in a directory. Works on every backend (tfjs-node's `file://` handler is only
 * there when tfjs-node is loaded). Writes are atomic per file.
 */
export function fileSystemHandler(dir: string): tf.io.IOHandler {
  return {
    async save(artifacts: tf.io.ModelArtifacts): Promise<tf.io.SaveResult> {
      if (artifacts.modelTopology instanceof ArrayBuffer) {
        throw new Error('Saving binary model topologies (graph models) is not supported; expected a layers model');
      }
      await fs.mkdir(dir, { recursive: true });
      const weightData = artifacts.weightData ? tf.io.CompositeArrayBuffer.join(artifacts.weightData) : new ArrayBuffer(0);
      const modelJson: tf.io.ModelJSON = {
        modelTopology: artifacts.modelTopology as object,
        format: artifacts.format,
        generatedBy: artifacts.generatedBy,
        convertedBy: artifacts.convertedBy,
        weightsManifest: [{ paths: [`./${WEIGHTS_BIN}`], weights: artifacts.weightSpecs ?? [] }],
        ...(artifacts.trainingConfig ? { trainingConfig: artifacts.trainingConfig } : {}),
        ...(artifacts.userDefinedMetadata ? { userDefinedMetadata: artifacts.userDefinedMetadata } : {}),
      };
      await writeFileAtomicAsync(path.join(dir, WEIGHTS_BIN), new Uint8Array(weightData));
      await writeFileAtomicAsync(path.join(dir, MODEL_JSON), JSON.stringify(modelJson));
      return {
        modelArtifactsInfo: {
          dateSaved: new Date(),
          modelTopologyType: 'JSON',
          modelTopologyBytes: JSON.stringify(artifacts.modelTopology).length,
          weightSpecsBytes: JSON.stringify(artifacts.weightSpecs ?? []).length,
          weightDataBytes: weightData.byteLength,
        },
      };
    },

    async load(): Promise<tf.io.ModelArtifacts> {
      const jsonFile = path.join(dir, MODEL_JSON);
      const modelJson = JSON.parse(await readText(jsonFile)) as tf.io.ModelJSON;
      if (typeof modelJson !== 'object' || modelJson === null || !modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
        throw new ModelFileError(`Expected \`${jsonFile}\` to hold a TF.js layers model (modelTopology and weightsManifest)`, jsonFile);
      }
      const weightSpecs: tf.io.WeightsManifestEntry[] = [];
      const buffers: ArrayBuffer[] = [];
      for (const group of modelJson.weightsManifest) {
        weightSpecs.push(...group.weights);
        for (const p of group.paths) {
          const file = path.join(dir, p);
          const bytes = await fs.readFile(file).catch((err: NodeJS.ErrnoException) => {
            throw new ModelFileError(`Cannot read weights file \`${file}\` named in \`${jsonFile}\`: ${err.code ?? err.message}`, file);
          });
          buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
        }
      }
      return tf.io.getModelArtifactsForJSONSync(modelJson, weightSpecs, tf.io.concatenateArrayBuffers(buffers));
    },
  };
}

async function readText(file: string): Promise<string> {
  try {
    return await fs.readFile(file, 'utf8');
  } catch (err) {
    throw new ModelFileError(`Cannot read \`${file}\`: ${(err as NodeJS.ErrnoException).code ?? String(err)}`, file);
  }
}
