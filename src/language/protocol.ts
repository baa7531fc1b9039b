// Custom notifications between the language client (extension host) and the KQL language server. Method names and
// payloads only, so the client can use them without loading vscode-languageserver and the server without vscode.
import type { CompactDatabase } from './schema';

/** A database's schema, keyed by connection. `schema` undefined: forget it (unknown or unreachable). */
export const SCHEMA_NOTIFICATION = 'eventline/kql/schema';
export interface SchemaParams { key: string; cluster: string; schema: CompactDatabase | undefined }

/** Which connection a document runs against. `key` undefined: none, so names are not checked against a schema. */
export const DOCUMENT_CONNECTION_NOTIFICATION = 'eventline/kql/documentConnection';
export interface DocumentConnectionParams { uri: string; key: string | undefined }

export { connectionKey } from '../core/kql/connect';

/** The cluster and database a key was made from (a database name never holds '|'). */
export function keyParts(key: string): { cluster: string; database: string } {
  const bar = key.lastIndexOf('|');
  return { cluster: key.slice(0, bar), database: key.slice(bar + 1) };
}
