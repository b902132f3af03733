/**
 * Data Download Center CSV import (issue 7): detect every export variant of csv-formats.md, normalize
 * into the normalized account model (source `csv`), group transaction-history legs, quarantine unknown
 * operations, and de-duplicate against what the ledger already holds.
 */
export { importCsvFile, importCsvFiles, detectCsvFile } from './importer.js';
export type { CsvImportOptions, CsvFileReport, CsvFileFailure } from './importer.js';
export { FORMATS as CSV_FORMATS, detectFormat as detectCsvFormat } from './formats.js';
export type { ExportKind as CsvExportKind, CsvFormat } from './formats.js';
export { operationMeaning as csvOperationMeaning } from './operations.js';
export type { OperationCategory as CsvOperationCategory } from './operations.js';
export {
  parseAmount as parseCsvAmount,
  parseWallTime as parseCsvWallTime,
  parseZone as parseCsvZone,
} from './values.js';
export { mergeCsvCopies } from './relink.js';
export type { CsvMergeReport } from './relink.js';
export type { CsvLedger, CsvLedgerTx, CsvAccountRecord } from './types.js';
