/** The cell factory. */
import type { Cell, ModelSpec } from './types.js';
import { LeakyCell } from './cell-leaky.js';
import { RateCell } from './cell-rate.js';
import { GruCell } from './cell-gru.js';
import { layerCount, validateSpec } from './spec.js';
import { TorchLayerCell, torchLayerSize, type LayerCell } from './cell-torch.js';
import { StackedCell } from './cell-stacked.js';
import { getActivation } from './activations.js';
import { torchLayerKind } from './layout.js';

/** A PyTorch cell: one TorchLayerCell, or a StackedCell of `numLayers` of them. Cost O(N). */
function createTorchCell(spec: ModelSpec): Cell {
  const kind = torchLayerKind(spec);
  const H = spec.hiddenSize;
  const bias = spec.bias !== false;
  const L = layerCount(spec);
  let P = 0;
  for (let l = 0; l < L; l++) P += torchLayerSize(kind, H, l === 0 ? spec.inputSize : H, bias);
  const layers: LayerCell[] = [];
  let off = 0;
  for (let l = 0; l < L; l++) {
    const input = l === 0 ? spec.inputSize : H;
    layers.push(new TorchLayerCell({ kind, hidden: H, input, bias, activation: getActivation(spec.activation), thetaOffset: off, spec, P }));
    off += torchLayerSize(kind, H, input, bias);
  }
  return L === 1 ? layers[0]! : new StackedCell(spec, layers);
}

/**
 * A new cell for `spec` (validated; InputError otherwise). Cells hold O(N) scratch, no parameters. Cost O(N).
 *
 * @param spec - the model's spec.
 * @returns the cell: step, JVPs and VJPs in `h` and `θ`, `∂f/∂h`, weight sites, `f_hh`, `f_hhh` (docs/theory.md §2).
 * @throws {@link sntk!InputError} for an invalid spec.
 */
export function createCell(spec: ModelSpec): Cell {
  validateSpec(spec);
  switch (spec.cell) {
    case 'vanilla':
    case 'leaky':
      return new LeakyCell(spec);
    case 'rate':
      return new RateCell(spec);
    case 'gru':
      return new GruCell(spec);
    case 'torch-rnn':
    case 'torch-gru':
    case 'torch-lstm':
      return createTorchCell(spec);
  }
}
