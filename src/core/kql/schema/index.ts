// The Eventhouse schema as code: parse `kql/`, read a live database, plan the difference, render commands and files.
export { SchemaSyntaxError } from './cursor';
export * from './model';
export { formatProblem, parseSchemaFiles, type ParsedSchema, type SchemaFile, type SchemaProblem } from './parse';
export { readLiveSchema, readLiveTable, type Row, type RunCommand } from './live';
export { checkDrift, connectionMapping, driftMarkdown, misfit, type DriftFinding, type DriftInput, type DriftReport, type DriftSeverity, type SampledEvent } from './drift';
export { commandsToRun, orderFunctions, planSchema, type PlanOptions, type PlanStep, type SchemaPlan, type StepKind } from './diff';
export { fileNameFor, kqlString, pullFiles, type PulledFile } from './render';
export { previewText, type PreviewInput, type StepState } from './preview';
