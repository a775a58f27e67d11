/**
 * Public surface of the I/O layer: model files (JSON, safetensors, PyTorch nn.RNN), inputs, .npy and safetensors arrays.
 *
 * @module sntk/io
 */
export * from './npy.js';
export * from './safetensors.js';
export * from './model-doc.js';
export * from './model-safetensors.js';
export * from './torch.js';
export * from './model-file.js';
export * from './model-json.js';
export * from './inputs.js';
export { readFileBytes, readFileText, writeFileAtomic, type FloatDtype } from './bytes.js';
export * from './npz.js';
export * from './train-data.js';
export * from './flax.js';
