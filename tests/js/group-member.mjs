// One kafkajs consumer-group member in its own process, for tests that kill it (SIGKILL).
//
// Environment: KAFKA_BROKERS, GROUP_ID, TOPIC, SESSION_TIMEOUT_MS (default 6000),
// COMMIT_MODE = "each" (commit after processing every record, the default) or "command" (commit
// what was processed when a line "commit" arrives on stdin).
//
// Prints one JSON object per line on stdout:
//   {"event":"join","memberId","assignment":[partitions]}                   on every GROUP_JOIN
//   {"event":"record","partition","offset","key","value"}                   after processing one
//   {"event":"committed","offsets":{"<partition>":"<next offset>"}}         after a commit
//   {"event":"crash","error"}                                               kafkajs gave up

import { createInterface } from 'node:readline';
import { Kafka, logLevel } from 'kafkajs';

const env = (name, fallback) => {
    const v = process.env[name];
    if (v === undefined || v === '') {
        if (fallback === undefined) throw new Error(`${name} is required`);
        return fallback;
    }
    return v;
};

const topic = env('TOPIC');
const commitMode = env('COMMIT_MODE', 'each');
const print = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);

const kafka = new Kafka({
    clientId: env('CLIENT_ID', 'group-member'),
    brokers: env('KAFKA_BROKERS').split(','),
    logLevel: logLevel[process.env.KAFKAJS_LOG_LEVEL ?? 'NOTHING'] ?? logLevel.NOTHING,
    connectionTimeout: 5000,
    requestTimeout: 15000,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 },
});
const consumer = kafka.consumer({
    groupId: env('GROUP_ID'),
    sessionTimeout: Number(env('SESSION_TIMEOUT_MS', '6000')),
    heartbeatInterval: 500,
    rebalanceTimeout: 10000,
    maxWaitTimeInMs: 250,
    retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 },
});

// Next offset to commit per partition: one past the last record processed.
const processed = new Map();

async function commit(partitions) {
    const offsets = partitions.map((p) => ({ topic, partition: p, offset: processed.get(p) }));
    if (offsets.length === 0) return;
    await consumer.commitOffsets(offsets);
    print({ event: 'committed', offsets: Object.fromEntries(offsets.map((o) => [o.partition, o.offset])) });
}

consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
    print({
        event: 'join',
        memberId: payload.memberId,
        assignment: [...(payload.memberAssignment[topic] ?? [])].sort((a, b) => a - b),
    });
});
consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) print({ event: 'crash', error: String(payload.error) });
});

await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
await consumer.run({
    autoCommit: false,
    eachMessage: async ({ partition, message }) => {
        print({
            event: 'record',
            partition,
            offset: Number(message.offset),
            key: message.key?.toString() ?? null,
            value: message.value?.toString() ?? null,
        });
        processed.set(partition, String(Number(message.offset) + 1));
        if (commitMode === 'each') await commit([partition]);
    },
});

createInterface({ input: process.stdin }).on('line', (line) => {
    if (line.trim() === 'commit') {
        commit([...processed.keys()]).catch((e) => print({ event: 'commit-error', error: String(e) }));
    }
});

const stop = async () => {
    await consumer.disconnect().catch(() => {});
    process.exit(0);
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);
