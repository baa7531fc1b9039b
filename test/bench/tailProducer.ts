// Child process of bench:tail: sends ~1 KiB JSON events to the local hub at a fixed rate for a fixed time, on
// its own core, and prints {"sent":N,"seconds":S} at the end. Rate is paced per 100 ms slice across 4 partitions.
import { EventHubProducerClient } from '@azure/event-hubs';

const [cs, rateArg, secondsArg] = process.argv.slice(2);
const rate = Number(rateArg);
const seconds = Number(secondsArg);
const note = 'x'.repeat(880);

async function main(): Promise<void> {
  const producer = new EventHubProducerClient(cs, 'telemetry');
  const ids = await producer.getPartitionIds();
  let sent = 0;
  const started = Date.now();
  const end = started + seconds * 1000;
  let lagged = 0;
  while (Date.now() < end) {
    const due = Math.floor(((Date.now() - started) / 1000 + 0.1) * rate);
    const inflight: Promise<void>[] = [];
    for (const [k, partitionId] of ids.entries()) {
      const share = Math.floor((due - sent) / ids.length) + (k < (due - sent) % ids.length ? 1 : 0);
      if (share <= 0) continue;
      inflight.push((async () => {
        let left = share;
        while (left > 0) {
          const batch = await producer.createBatch({ partitionId });
          let n = 0;
          while (n < left && batch.tryAdd({ body: { sensor: `sensor-${n % 50}`, site: 'north', temperature: 20 + (n % 15), humidity: 0.43, seq: sent + n, note } })) n++;
          await producer.sendBatch(batch);
          left -= n;
        }
      })());
    }
    const target = due - sent;
    await Promise.all(inflight);
    sent += Math.max(0, target);
    const wait = started + (sent / rate) * 1000 - Date.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait)); else lagged++;
  }
  await producer.close();
  process.stdout.write(`${JSON.stringify({ sent, seconds: (Date.now() - started) / 1000, lagged })}\n`);
}

main().catch((e) => { console.error(e); process.exit(1); });
