// A guard for Azure/azure-sdk-for-js#20569. @azure/core-amqp (4.4 and 4.5) reads `receiver.address` in the abort
// listener of a pending $cbs or $management request; once the connection has dropped, rhea-promise's getter reads
// `.address` of a source that is gone and throws inside the listener. That throw reaches the extension host as an
// uncaught error (VS Code logs it, and the workbench shows "An unknown error occurred"), and the request never
// settles, so closing a subscription while the hub is down could hang. Reading the address as undefined lets
// the request reject as aborted, which is what the SDK means to do.

interface LinkClass { prototype: object }

const guarded = new WeakSet<object>();

/** Makes rhea-promise's `Link#address` return undefined instead of throwing when the link's source is gone. */
export function guardLinkAddress(rhea: { Receiver: LinkClass }): void {
  // Receiver and Sender share the getter on their base class, Link, which rhea-promise does not export.
  const link = Object.getPrototypeOf(rhea.Receiver.prototype) as object;
  if (guarded.has(link)) return;
  const original = Object.getOwnPropertyDescriptor(link, 'address');
  if (!original?.get) return; // a rhea-promise without the getter: nothing to guard
  Object.defineProperty(link, 'address', {
    ...original,
    get(this: { source?: unknown }): unknown {
      return this.source === undefined ? undefined : original.get!.call(this);
    },
  });
  guarded.add(link);
}
