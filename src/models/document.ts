/**
 * The `sntk-model/1` JSON document of a model: spec fields and named parameter blocks (matrices as
 * arrays of rows). Serialisation lives here, below every layer that saves models (train's
 * checkpoints, io's files); parsing and validation live in `src/io` (zod).
 */
import type { ModelSpec } from './types.js';
import { createLayout } from './layout.js';
import { InputError, NonFiniteError } from '../errors.js';

/** The format tag of sntk model files. */
export const MODEL_FORMAT = 'sntk-model/1';

function num(v: number): string {
  return Object.is(v, -0) ? '-0' : JSON.stringify(v);
}

/**
 * Serialises a model (spec + flat params in layout order) as `sntk-model/1` JSON text, one matrix
 * row per line. Numbers use the shortest round-trip form, so parsing gives back bit-identical
 * weights (−0 included). Throws NonFiniteError naming the weight if any is NaN/Inf. Cost O(P).
 */
export function modelDocumentText(spec: ModelSpec, params: Float64Array): string {
  const layout = createLayout(spec);
  if (params.length !== layout.size) {
    throw new InputError(`model has ${params.length} parameters but its spec needs ${layout.size}`);
  }
  const lines: string[] = ['{'];
  lines.push(`  "format": "${MODEL_FORMAT}",`);
  lines.push(`  "cell": "${spec.cell}",`);
  lines.push(`  "activation": "${spec.activation}",`);
  lines.push(`  "hiddenSize": ${spec.hiddenSize},`);
  lines.push(`  "inputSize": ${spec.inputSize},`);
  if (spec.outputSize > 0) lines.push(`  "outputSize": ${spec.outputSize},`);
  if (spec.cell === 'leaky' || spec.cell === 'rate' || spec.alpha !== 1) lines.push(`  "alpha": ${num(spec.alpha)},`);
  if (spec.numLayers !== undefined && spec.numLayers !== 1) lines.push(`  "numLayers": ${spec.numLayers},`);
  if (spec.bias === false) lines.push(`  "bias": false,`);
  lines.push('  "params": {');
  layout.blocks.forEach((b, k) => {
    const block = params.subarray(b.offset, b.offset + b.rows * b.cols);
    for (let i = 0; i < block.length; i++) {
      if (!Number.isFinite(block[i]!)) {
        const at = b.cols === 1 ? `[${i}]` : `[${Math.floor(i / b.cols)}][${i % b.cols}]`;
        throw new NonFiniteError(`cannot save the model: params.${b.name}${at} is ${block[i]}`);
      }
    }
    const isVector = b.cols === 1 && (b.name === 'd' || b.name.startsWith('b'));
    const comma = k < layout.blocks.length - 1 ? ',' : '';
    if (isVector) {
      lines.push(`    "${b.name}": [${Array.from(block, num).join(', ')}]${comma}`);
    } else if (b.rows === 0) {
      lines.push(`    "${b.name}": []${comma}`);
    } else {
      lines.push(`    "${b.name}": [`);
      for (let i = 0; i < b.rows; i++) {
        const row = Array.from(block.subarray(i * b.cols, (i + 1) * b.cols), num).join(', ');
        lines.push(`      [${row}]${i < b.rows - 1 ? ',' : ''}`);
      }
      lines.push(`    ]${comma}`);
    }
  });
  lines.push('  }');
  lines.push('}');
  return lines.join('\n') + '\n';
}
