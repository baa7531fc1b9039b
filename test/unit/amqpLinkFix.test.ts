// The guard for Azure/azure-sdk-for-js#20569 on rhea-promise's Link#address (src/azure/amqpLinkFix.ts).
import * as assert from 'node:assert/strict';
import * as rhea from 'rhea-promise';
import { guardLinkAddress } from '../../src/azure/amqpLinkFix';

/** A receiver over a stand-in for rhea's link object: what the getter reads once the connection dropped. */
const receiverOver = (link: { source?: { address?: string } }): { address: string | undefined } =>
  Object.assign(Object.create(rhea.Receiver.prototype) as object, { _link: link }) as unknown as { address: string | undefined };

describe('rhea-promise link address guard (Azure/azure-sdk-for-js#20569)', () => {
  it('reads a gone source as no address instead of throwing, and a present one as before; guarding twice changes nothing', () => {
    guardLinkAddress(rhea);
    guardLinkAddress(rhea);
    assert.equal(receiverOver({}).address, undefined);
    assert.equal(receiverOver({ source: { address: 'telemetry/ConsumerGroups/$Default/Partitions/0' } }).address, 'telemetry/ConsumerGroups/$Default/Partitions/0');
    const sender = Object.assign(Object.create(rhea.Sender.prototype) as object, { _link: {} }) as unknown as { address: unknown };
    assert.equal(sender.address, undefined, 'senders share the getter');
  });
});
