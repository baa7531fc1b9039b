// azure-kusto-ingest publishes its types only through package "exports", which this repo's
// moduleResolution ("node") does not read; point TypeScript at the same declaration files.
declare module 'azure-kusto-ingest' {
  export * from 'azure-kusto-ingest/types/src/index';
}
