/**
 * Public surface of the report layer: plot specs, rendering, readers, HTML report, comparison page.
 *
 * @module sntk/report
 */
export * from './types.js';
export * from './plots/index.js';
export { renderSvg, renderPng, pngSize, type PlotSpec, type PngOptions } from './render.js';
export { findFont, fontFamilyOf, type FontChoice } from './fonts.js';
export { readRunFolder, isRunFolder, type RunData, type MetricsRow, type EigenvaluesLine, type FixedPointRecord } from './run-folder.js';
export { readAnalysisFile, parseAnalysis, inferKind, signedNorm, PREDICTED_EXPONENT, type Analysis, type AnalysisKind, type KernelAnalysis, type FixedPointsAnalysis, type ContinuationAnalysis, type ChannelAnalysis, type ScanAnalysis } from './analysis.js';
export { runContent, analysisContent, trackBranches, eventsTable, kvTable, type ReportContent, type PlotItem, type Table } from './content.js';
export { reportHtml, escapeHtml, inlineSvg, cellText, type RenderedPlot } from './html.js';
export { buildReport, renderReport, writeReport, comparisonContent, comparisonPage, type ReportBundle, type ReportOptions } from './build.js';
export { writeFileAtomic } from './write.js';
export { demoIndexHtml, type DemoIndexInput } from './demo-index.js';
