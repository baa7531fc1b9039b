// Known upstream SDK defects that tests tolerate — each exactly matched, never a blanket catch.

/**
 * @azure/core-amqp (4.4.x and 4.5.x) reads `receiver.address` from a timer or abort listener after the link's
 * source is gone (rhea-promise's getter then reads `.address` of undefined), e.g. when a $cbs or $management
 * request is pending while the connection drops. It throws from inside the SDK, outside any of our call stacks;
 * see Azure/azure-sdk-for-js#20569. VS Code's extension host logs such errors and carries on; TailSession does not
 * wait on the request that never settles (see its restart()).
 */
export function isCoreAmqpAddressBug(err: unknown): boolean {
  // Bundled, the frames name no package: the getter's own name (rhea-promise's Link `get address`) identifies it.
  return err instanceof TypeError && /reading 'address'/.test(err.message) && /requestResponseLink|rhea-promise|\bget address\b/.test(err.stack ?? '');
}

/**
 * Routes process-level uncaught exceptions through `isCoreAmqpAddressBug` before the given handlers (mocha's).
 * Returns a function that restores them and reports how many were tolerated.
 */
export function tolerateKnownSdkThrows(handlers: NodeJS.UncaughtExceptionListener[]): () => number {
  let tolerated = 0;
  for (const h of handlers) process.removeListener('uncaughtException', h);
  const filter = (err: Error, origin: NodeJS.UncaughtExceptionOrigin) => {
    if (isCoreAmqpAddressBug(err)) { tolerated++; return; }
    for (const h of handlers) h(err, origin);
  };
  process.on('uncaughtException', filter);
  return () => {
    process.removeListener('uncaughtException', filter);
    for (const h of handlers) process.on('uncaughtException', h);
    return tolerated;
  };
}
