// STUB — replaced by the KQL language work: the language server process on @kusto/language-service-next.
export {};
