/**
 * `sntk convert <in> <out>`: converts a model between the sntk JSON format (`.json`) and
 * safetensors (`.safetensors`: a PyTorch nn.RNN/nn.GRU/nn.LSTM state dict or sntk's own layout), formats
 * chosen by the file extensions.
 */
import { Option, type Command } from 'commander';
import { emit, type CommonOptions } from '../context.js';
import { UsageError } from '../../errors.js';
import { modelFormatOf, readModelData, writeModelData } from '../../io/model-file.js';
import { createLayout } from '../../models/layout.js';
import { hasTorchEquivalent } from '../../io/torch.js';
import { assertWritableFile } from '../../util/atomic-write.js';

interface ConvertOptions extends CommonOptions {
  nonlinearity?: 'tanh' | 'relu';
  layout: 'auto' | 'torch' | 'sntk';
  dtype: 'f64' | 'f32';
}

/** Registers `sntk convert`. */
export function registerConvert(program: Command): void {
  program
    .command('convert')
    .description('convert a model between sntk JSON (.json) and safetensors (.safetensors: PyTorch nn.RNN/nn.GRU/nn.LSTM state dict or sntk layout), both ways')
    .argument('<in>', 'input model file (.json or .safetensors)')
    .argument('<out>', 'output model file (.json or .safetensors); written atomically')
    .addOption(
      new Option('--nonlinearity <name>', 'nonlinearity of a PyTorch nn.RNN input (overrides the file metadata; default tanh)').choices([
        'tanh',
        'relu',
      ]),
    )
    .addOption(
      new Option('--layout <layout>', 'safetensors output layout: torch (nn.RNN/nn.GRU/nn.LSTM state dict), sntk (any cell), auto (torch when possible)')
        .choices(['auto', 'torch', 'sntk'])
        .default('auto'),
    )
    .addOption(new Option('--dtype <dtype>', 'safetensors output dtype (f64 is exact)').choices(['f64', 'f32']).default('f64'))
    .option('--json', 'print one JSON object')
    .option('--quiet', 'no progress output')
    .action((input: string, output: string, opts: ConvertOptions) => {
      const inFormat = modelFormatOf(input);
      const outFormat = modelFormatOf(output);
      if (outFormat === 'json' && (opts.layout !== 'auto' || opts.dtype !== 'f64')) {
        throw new UsageError('--layout and --dtype apply to .safetensors output only');
      }
      assertWritableFile(output);
      const data = readModelData(input, opts.nonlinearity ? { nonlinearity: opts.nonlinearity } : {});
      const { spec } = data;
      const torchOk = hasTorchEquivalent(spec);
      if (outFormat === 'safetensors' && opts.layout === 'torch' && !torchOk) {
        throw new UsageError(
          `--layout torch needs a vanilla tanh/relu model (nn.RNN) or a GRU with tanh (nn.GRU) or a PyTorch cell (torch-rnn, torch-gru, torch-lstm); ${input} is a ${spec.cell} cell with ${spec.activation}`,
        );
      }
      // auto: sntk's one-bias GRU keeps the sntk layout (an nn.GRU file reads back as torch-gru)
      const layout = outFormat === 'json' ? 'json' : opts.layout === 'auto' ? (torchOk && spec.cell !== 'gru' ? 'torch' : 'sntk') : opts.layout;
      writeModelData(data, output, {
        layout: outFormat === 'json' ? 'auto' : (layout as 'torch' | 'sntk'),
        dtype: opts.dtype === 'f32' ? 'F32' : 'F64',
      });
      const result = {
        input,
        output,
        inputFormat: inFormat,
        outputFormat: outFormat,
        layout,
        dtype: outFormat === 'json' ? 'json' : opts.dtype,
        spec,
        parameters: createLayout(spec).size,
      };
      const module = spec.cell === 'gru' || spec.cell === 'torch-gru' ? 'GRU' : spec.cell === 'torch-lstm' ? 'LSTM' : 'RNN';
      const what = layout === 'torch' ? `PyTorch nn.${module} state dict` : layout === 'sntk' ? 'sntk safetensors layout' : 'sntk JSON';
      const layers = (spec.numLayers ?? 1) > 1 ? `, ${spec.numLayers} layers` : '';
      const bias = spec.bias === false ? ', no biases' : '';
      emit(opts, result, () =>
        `wrote ${output} (${what}): ${spec.cell} ${spec.activation}, N=${spec.hiddenSize}, D=${spec.inputSize}, O=${spec.outputSize}${layers}${bias}` +
        `${spec.cell === 'leaky' || spec.cell === 'rate' ? `, alpha=${spec.alpha}` : ''}, ${result.parameters} parameters`,
      );
    });
}
