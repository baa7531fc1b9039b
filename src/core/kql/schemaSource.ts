// The contract between whoever knows which database a KQL document runs against (the notebook/connection
// service) and the language client, which feeds that database's schema to the language server. vscode-free so
// either side can be tested alone.

export interface KqlConnectionRef { cluster: string; database: string }

export interface KqlSchemaSource {
  /** Fires when a document's connection changes or a connected database's schema may have changed. */
  onDidChange(listener: () => void): { dispose(): void };
  /** The connection a `.kql` file or a notebook cell (by document URI string) runs against, if any. */
  connectionFor(documentUri: string): KqlConnectionRef | undefined;
  /** The parsed result of `.show database ['db'] schema as json` for that connection. */
  schemaJson(connection: KqlConnectionRef, signal?: AbortSignal): Promise<unknown>;
}
