import * as tf from '@tensorflow/tfjs';
import { promises as fs } from 'node:fs';
import * as path from 'node:path';
import { ModelFileError } from '../errors';
import { inputFileProblem, makeDirs, readProblem, writeFileAtomicAsync } from '@digitfuse/core';
import { readModelJson } from './read-model-file';

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
      makeDirs(dir);
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
      const modelJson = readModelJson(jsonFile, "the model's topology (JSON)") as tf.io.ModelJSON;
      if (typeof modelJson !== 'object' || modelJson === null || !modelJson.modelTopology || !Array.isArray(modelJson.weightsManifest)) {
        throw new ModelFileError(`Expected \`${jsonFile}\` to hold a TF.js layers model (modelTopology and weightsManifest)`, jsonFile);
      }
      const weightSpecs: tf.io.WeightsManifestEntry[] = [];
      const files: string[] = [];
      for (const group of modelJson.weightsManifest) {
        if (!group || !Array.isArray(group.paths) || !Array.isArray(group.weights)) {
          throw new ModelFileError(`Expected each weightsManifest entry of \`${jsonFile}\` to have paths and weights`, jsonFile);
        }
        weightSpecs.push(...group.weights);
        for (const p of group.paths) files.push(insideDir(dir, p, jsonFile));
      }
      // Check the sizes the shapes promise against the files before reading or allocating anything.
      const expected = weightSpecs.reduce((sum, spec) => sum + specBytes(spec, jsonFile), 0);
      let actual = 0;
      for (const file of files) actual += await fileSize(file, jsonFile);
      if (expected !== actual) {
        throw new ModelFileError(
          `Expected ${expected} bytes of weights (the shapes in \`${jsonFile}\`), found ${actual} in ${files.map((f) => `\`${path.basename(f)}\``).join(', ')}`,
          jsonFile,
        );
      }
      const buffers: ArrayBuffer[] = [];
      for (const file of files) {
        const bytes = await fs.readFile(file).catch((err: unknown) => {
          throw new ModelFileError(`${expectedWeights(file, jsonFile)}, found ${readProblem(err, file)}`, file);
        });
        buffers.push(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
      }
      const weightData = tf.io.concatenateArrayBuffers(buffers);
      checkFiniteWeights(weightSpecs, weightData, files, jsonFile);
      return tf.io.getModelArtifactsForJSONSync(modelJson, weightSpecs, weightData);
    },
  };
}

/** A weights path of model.json resolved inside the model folder. @throws ModelFileError for one that leaves it. */
function insideDir(dir: string, p: unknown, jsonFile: string): string {
  if (typeof p !== 'string' || p.length === 0) throw new ModelFileError(`Expected the weights paths in \`${jsonFile}\` to be file names, found ${JSON.stringify(p)}`, jsonFile);
  const root = path.resolve(dir);
  const file = path.resolve(root, p);
  const rel = path.relative(root, file);
  if (rel === '' || rel.startsWith('..') || path.isAbsolute(rel)) {
    throw new ModelFileError(`Expected the weights paths in \`${jsonFile}\` to stay inside the model folder, found \`${p}\``, jsonFile);
  }
  return file;
}

const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1 };

/** Bytes a weight takes by its manifest entry. @throws ModelFileError for a bad shape or dtype. */
function specBytes(spec: tf.io.WeightsManifestEntry, jsonFile: string): number {
  const name = typeof spec?.name === 'string' ? spec.name : '?';
  if (!Array.isArray(spec?.shape) || !spec.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new ModelFileError(`Expected weight \`${name}\` in \`${jsonFile}\` to have a shape of whole numbers >= 0, found ${JSON.stringify(spec?.shape)}`, jsonFile);
  }
  const bytes = DTYPE_BYTES[spec.dtype ?? 'float32'];
  if (bytes === undefined || spec.quantization) {
    throw new ModelFileError(`Expected weight \`${name}\` in \`${jsonFile}\` to be float32, int32 or bool, found ${JSON.stringify(spec.dtype)}${spec.quantization ? ' (quantized)' : ''}`, jsonFile);
  }
  return spec.shape.reduce((a, d) => a * d, 1) * bytes;
}

/**
 * Refuses float32 weights that are NaN or infinite (a damaged or hand-edited weights file): the
 * model would predict NaN for every row, which argmax turns into a "valid" submission of all zeros.
 * @throws ModelFileError naming the weights file, the weight and the value.
 */
function checkFiniteWeights(specs: readonly tf.io.WeightsManifestEntry[], data: ArrayBuffer, files: readonly string[], jsonFile: string): void {
  let offset = 0;
  for (const spec of specs) {
    const bytes = specBytes(spec, jsonFile);
    if ((spec.dtype ?? 'float32') === 'float32') {
      const values = new Float32Array(offset % 4 === 0 ? data : data.slice(offset, offset + bytes), offset % 4 === 0 ? offset : 0, bytes / 4);
      const at = values.findIndex((v) => !Number.isFinite(v));
      if (at >= 0) {
        throw new ModelFileError(
          `Expected ${files.map((f) => `\`${f}\``).join(', ')} to hold finite weights, found ${values[at]} in weight \`${spec.name}\` (value ${at + 1} of ${values.length}): the file is damaged, or the model diverged in training`,
          files.length === 1 ? files[0] : jsonFile,
        );
      }
    }
    offset += bytes;
  }
}

/** The start of the one line about a weights file that cannot be read: what it should have been. */
const expectedWeights = (file: string, jsonFile: string): string => `Expected the weights file \`${file}\` named in \`${jsonFile}\` to be a file it can read`;

/** The size of a weights file, once it is known to be a file this process may read. @throws ModelFileError naming it otherwise. */
async function fileSize(file: string, jsonFile: string): Promise<number> {
  const problem = inputFileProblem(file);
  if (problem !== null) throw new ModelFileError(`${expectedWeights(file, jsonFile)}, found ${problem}`, file);
  try {
    return (await fs.stat(file)).size;
  } catch (err) {
    throw new ModelFileError(`${expectedWeights(file, jsonFile)}, found ${readProblem(err, file)}`, file);
  }
}
