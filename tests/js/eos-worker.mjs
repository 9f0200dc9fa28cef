// A consume-transform-produce worker with kafkajs transactions, in its own process so a test can
// SIGKILL it in the middle of a transaction.
//
// It reads INPUT as a member of GROUP_ID at read_committed with auto-commit off, and for every
// chunk of at most CHUNK records of a fetched batch runs one transaction: send "out-<i>" for each
// "in-<i>" to OUTPUT, sendOffsets (the input position after the chunk), commit.
//
// Environment: KAFKA_BROKERS, INPUT, OUTPUT, GROUP_ID, TRANSACTIONAL_ID, CHUNK (default 20),
// TRANSACTION_TIMEOUT_MS (default 30000), SESSION_TIMEOUT_MS (default 6000), and HANG_AFTER_COMMITS:
// when set to k, the transaction after the k-th commit sends its records and offsets and then
// hangs without committing (until the process is killed).
//
// Prints one line per event on stdout:
//   {"event":"ready"}                                                 producer and consumer connected
//   {"event":"committed","partition","first","next","count","total"}  after each commit
//   IN_TXN {"partition","first","next","count"}                       hanging inside a transaction
//   {"event":"error","error"}                                         anything that went wrong

import { Kafka, logLevel } from 'kafkajs';

const env = (name, fallback) => {
    const v = process.env[name];
    if (v === undefined || v === '') {
        if (fallback === undefined) throw new Error(`${name} is required`);
        return fallback;
    }
    return v;
};

const input = env('INPUT');
const output = env('OUTPUT');
const groupId = env('GROUP_ID');
const chunkSize = Number(env('CHUNK', '20'));
const hangAfter = process.env.HANG_AFTER_COMMITS ? Number(process.env.HANG_AFTER_COMMITS) : null;
const print = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

const kafka = new Kafka({
    clientId: env('CLIENT_ID', 'eos-worker'),
    brokers: env('KAFKA_BROKERS').split(','),
    logLevel: logLevel[process.env.KAFKAJS_LOG_LEVEL ?? 'NOTHING'] ?? logLevel.NOTHING,
    connectionTimeout: 5000,
    requestTimeout: 15000,
    retry: { retries: 10, initialRetryTime: 100, maxRetryTime: 2000 },
});
const producer = kafka.producer({
    transactionalId: env('TRANSACTIONAL_ID'),
    idempotent: true,
    maxInFlightRequests: 1,
    transactionTimeout: Number(env('TRANSACTION_TIMEOUT_MS', '30000')),
});
const consumer = kafka.consumer({
    groupId,
    readUncommitted: false,
    sessionTimeout: Number(env('SESSION_TIMEOUT_MS', '6000')),
    heartbeatInterval: 500,
    rebalanceTimeout: 10000,
    maxWaitTimeInMs: 250,
});

let commits = 0;
let total = 0;

consumer.on(consumer.events.CRASH, ({ payload }) => {
    print({ event: 'error', error: `consumer crash: ${payload.error}`, restart: payload.restart });
});

async function processChunk(partition, messages) {
    const first = Number(messages[0].offset);
    const next = String(Number(messages.at(-1).offset) + 1);
    const tx = await producer.transaction();
    try {
        await tx.send({
            topic: output,
            messages: messages.map((m) => {
                const out = m.value.toString().replace(/^in-/, 'out-');
                return { key: out, value: out };
            }),
        });
        await tx.sendOffsets({ consumerGroupId: groupId, topics: [{ topic: input, partitions: [{ partition, offset: next }] }] });
        if (hangAfter !== null && commits === hangAfter) {
            process.stdout.write(`IN_TXN ${JSON.stringify({ partition, first, next: Number(next), count: messages.length })}\n`);
            await new Promise(() => {}); // never commits: the test kills the process here
        }
        await tx.commit();
    } catch (e) {
        print({ event: 'error', error: String(e?.stack ?? e).split('\n').slice(0, 4).join(' | ') });
        if (tx.isActive()) await tx.abort().catch(() => {});
        throw e;
    }
    commits += 1;
    total += messages.length;
    print({ event: 'committed', partition, first, next: Number(next), count: messages.length, total });
}

await producer.connect();
await consumer.connect();
await consumer.subscribe({ topic: input, fromBeginning: true });
await consumer.run({
    autoCommit: false,
    eachBatchAutoResolve: false,
    eachBatch: async ({ batch, resolveOffset, heartbeat, isRunning, isStale }) => {
        const messages = batch.messages;
        for (let i = 0; i < messages.length && isRunning() && !isStale(); i += chunkSize) {
            const chunk = messages.slice(i, i + chunkSize);
            await processChunk(batch.partition, chunk);
            resolveOffset(chunk.at(-1).offset);
            await heartbeat();
        }
    },
});
print({ event: 'ready' });

const stop = async () => {
    await consumer.disconnect().catch(() => {});
    await producer.disconnect().catch(() => {});
    process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
