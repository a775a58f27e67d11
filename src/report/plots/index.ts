/** The plot specs (vega-lite) of sntk's report. */
export { spectrumSpec } from './spectrum.js';
export { trainingCurvesSpec, METRIC_TITLES } from './training.js';
export { eigenPlaneSpec, eigenSeriesSpec, pickEven } from './eigenplane.js';
export { bifurcationDiagramSpec } from './bifurcation.js';
export { restrictedScanSpec } from './restricted.js';
export { heatmapSpec, blockAverage, toDense } from './heatmap.js';
export { eventKind, fmt } from './common.js';
export { comparisonSpec, type ComparisonSeries } from './comparison.js';
