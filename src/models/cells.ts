/** The cell factory. */
import type { Cell, ModelSpec } from './types.js';
import { LeakyCell } from './cell-leaky.js';
import { RateCell } from './cell-rate.js';
import { GruCell } from './cell-gru.js';
import { validateSpec } from './spec.js';

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
  }
}
