import * as assert from 'node:assert/strict';
import { parseReady, portsOf } from '../../src/core/localReady';

const LINE = { ready: true, eventHubs: { connectionString: 'Endpoint=sb://127.0.0.1:5672;SharedAccessKeyName=k;SharedAccessKey=v;UseDevelopmentEmulator=true', amqpsPort: 5671, caCertificate: '/ca.pem' }, eventhouse: { uri: 'http://127.0.0.1:8080', database: 'NetDefaultDB' }, control: 'http://127.0.0.1:5300' };

describe('the eventline-local ready line', () => {
  it('parses a ready line and keeps parts added later', () => {
    const r = parseReady(JSON.stringify({ ...LINE, keyVault: { uri: 'https://127.0.0.1:5500/' } }));
    assert.equal(r.eventhouse.database, 'NetDefaultDB');
    assert.equal(r.keyVault?.uri, 'https://127.0.0.1:5500/');
  });

  it('says what is missing, and what is not JSON', () => {
    assert.throws(() => parseReady(JSON.stringify({ ready: true })), /needs ready, eventHubs, eventhouse and control/);
    assert.throws(() => parseReady('Eventline local pipeline ready: {'), /not JSON/);
  });

  it('reads back every port, and only the ones the line has', () => {
    assert.deepEqual(portsOf(parseReady(JSON.stringify(LINE))), { '--amqp-port': 5672, '--amqps-port': 5671, '--control-port': 5300, '--kusto-port': 8080 });
    const more = parseReady(JSON.stringify({ ...LINE, keyVault: { uri: 'https://127.0.0.1:5501/' }, sampleApi: { url: 'http://127.0.0.1:5400/readings', secretName: 'sample-api-key' }, smtp: { host: '127.0.0.1', port: 2525 } }));
    assert.deepEqual(portsOf(more), { '--amqp-port': 5672, '--amqps-port': 5671, '--control-port': 5300, '--kusto-port': 8080, '--vault-port': 5501, '--api-port': 5400, '--smtp-port': 2525 });
  });
});
