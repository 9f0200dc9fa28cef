// kafkajs 2.2.4 against a real broker: admin topics, metadata, offsets, and producing with gzip
// at acks -1, 1 and 0. Records are read back with kcat (kafkajs consumers need consumer groups,
// which come later).

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { CompressionTypes, Kafka, Partitioners, logLevel } from 'kafkajs';

import { errorTypes, javaPartition, kcatConsume, skipReason, waitFor, withBroker } from './helpers.mjs';

function client(broker) {
    return new Kafka({
        clientId: 'fjord-js-test',
        brokers: [broker.bootstrap],
        // Some tests provoke errors on purpose, which kafkajs logs at ERROR; set
        // KAFKAJS_LOG_LEVEL=ERROR (or WARN, INFO, DEBUG) to see its log when debugging.
        logLevel: logLevel[process.env.KAFKAJS_LOG_LEVEL ?? 'NOTHING'] ?? logLevel.NOTHING,
        connectionTimeout: 5000,
        requestTimeout: 15000,
        retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 1000 },
    });
}

const topicName = (prefix) => `${prefix}-${randomUUID().slice(0, 8)}`;

async function withAdmin(kafka, fn) {
    const admin = kafka.admin();
    await admin.connect();
    try {
        return await fn(admin);
    } finally {
        await admin.disconnect();
    }
}

test('kafkajs admin: describe cluster, create, metadata, offsets, delete', { skip: skipReason, timeout: 120_000 }, async () => {
    await withBroker({ settings: { 'num.partitions': 2 } }, async (broker) => {
        await withAdmin(client(broker), async (admin) => {
            const cluster = await admin.describeCluster();
            assert.deepEqual(cluster.brokers, [{ nodeId: 1, host: '127.0.0.1', port: broker.port }]);
            assert.equal(cluster.controller, 1, 'kafkajs sends CreateTopics/DeleteTopics to the controller');

            const three = topicName('js-three');
            const byDefault = topicName('js-default');
            const validated = topicName('js-validate');

            assert.equal(await admin.createTopics({ topics: [{ topic: three, numPartitions: 3 }], timeout: 10_000 }), true);
            // kafkajs reports an existing topic as false rather than an error.
            assert.equal(await admin.createTopics({ topics: [{ topic: three, numPartitions: 3 }], timeout: 10_000 }), false);
            // kafkajs sends numPartitions = replicationFactor = -1 when they are left out, at
            // CreateTopics v3 (CLIENTS.md §7 item 9): the broker must use its defaults.
            assert.equal(await admin.createTopics({ topics: [{ topic: byDefault }], timeout: 10_000 }), true);
            assert.equal(
                await admin.createTopics({ topics: [{ topic: validated, numPartitions: 1 }], validateOnly: true, waitForLeaders: false, timeout: 10_000 }),
                true,
            );

            const listed = await admin.listTopics();
            assert.ok(listed.includes(three) && listed.includes(byDefault), `listTopics: ${listed}`);
            assert.ok(!listed.includes(validated), 'validateOnly must not create the topic');

            const { topics } = await admin.fetchTopicMetadata({ topics: [three, byDefault] });
            const counts = Object.fromEntries(topics.map((t) => [t.name, t.partitions.length]));
            assert.deepEqual(counts, { [three]: 3, [byDefault]: 2 });
            for (const t of topics) {
                for (const p of t.partitions) {
                    assert.equal(p.partitionErrorCode, 0);
                    assert.equal(p.leader, 1);
                    assert.deepEqual(p.replicas, [1]);
                    assert.deepEqual(p.isr, [1]);
                }
            }

            const offsets = await admin.fetchTopicOffsets(three);
            assert.deepEqual(
                offsets.map(({ partition, high, low }) => [partition, high, low]).sort((a, b) => a[0] - b[0]),
                [[0, '0', '0'], [1, '0', '0'], [2, '0', '0']],
            );

            await assert.rejects(
                admin.createTopics({ topics: [{ topic: 'bad topic!', numPartitions: 1 }], timeout: 10_000 }),
                (e) => errorTypes(e).has('INVALID_TOPIC_EXCEPTION') || assert.fail(`got ${[...errorTypes(e)]}: ${e.message}`),
            );

            await admin.deleteTopics({ topics: [three, byDefault], timeout: 10_000 });
            await waitFor(async () => {
                const now = await admin.listTopics();
                return !now.includes(three) && !now.includes(byDefault);
            }, 10_000, 'deleted topics to leave the topic list');

            await assert.rejects(
                admin.deleteTopics({ topics: [topicName('js-never')], timeout: 5000 }),
                (e) => errorTypes(e).has('UNKNOWN_TOPIC_OR_PARTITION') || assert.fail(`got ${[...errorTypes(e)]}: ${e.message}`),
            );
        });
    });
});

test('kafkajs producer: gzip with acks -1, 1 and 0, read back exactly', { skip: skipReason, timeout: 120_000 }, async () => {
    await withBroker({}, async (broker) => {
        const kafka = client(broker);
        const topic = topicName('js-produce');
        const partitions = 3;
        await withAdmin(kafka, (admin) => admin.createTopics({ topics: [{ topic, numPartitions: partitions }], timeout: 10_000 }));

        const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
        await producer.connect();
        const sent = [];
        try {
            for (const acks of [-1, 1, 0]) {
                const messages = [];
                for (let i = 0; i < 50; i++) {
                    const n = sent.length + messages.length;
                    messages.push({
                        key: `user-${n % 7}`,
                        value: JSON.stringify({ n, acks, pad: 'x'.repeat(n % 40) }),
                        headers: { seq: String(n), acks: String(acks) },
                    });
                }
                const result = await producer.send({ topic, acks, compression: CompressionTypes.GZIP, messages });
                if (acks !== 0) {
                    assert.ok(result.length > 0, 'a RecordMetadata per partition');
                    for (const r of result) {
                        assert.equal(r.errorCode, 0);
                        assert.equal(r.topicName, topic);
                    }
                }
                sent.push(...messages);
            }
        } finally {
            await producer.disconnect();
        }

        // acks=0 has no response: wait for the last records to be visible.
        await withAdmin(kafka, (admin) => waitFor(async () => {
            const offsets = await admin.fetchTopicOffsets(topic);
            return offsets.reduce((sum, o) => sum + Number(o.high), 0) === sent.length;
        }, 15_000, `${sent.length} records in ${topic}`));

        const records = await kcatConsume(broker.bootstrap, topic);
        assert.equal(records.length, sent.length);
        for (let p = 0; p < partitions; p++) {
            const got = records.filter((r) => r.partition === p);
            assert.deepEqual(got.map((r) => r.offset), got.map((_, i) => i), `offsets of partition ${p}`);
            const want = sent.filter((m) => javaPartition(m.key, partitions) === p);
            assert.deepEqual(
                got.map((r) => [r.key, r.value, r.headers]),
                want.map((m) => [m.key, m.value, ['seq', m.headers.seq, 'acks', m.headers.acks]]),
                `partition ${p}: records differ from what kafkajs sent (murmur2 partitioning)`,
            );
        }
    });
});

test('kafkajs ListOffsets by timestamp', { skip: skipReason, timeout: 60_000 }, async () => {
    await withBroker({}, async (broker) => {
        const kafka = client(broker);
        const topic = topicName('js-times');
        const base = 1_700_000_000_000;
        await withAdmin(kafka, async (admin) => {
            await admin.createTopics({ topics: [{ topic, numPartitions: 1 }], timeout: 10_000 });
            const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
            await producer.connect();
            try {
                await producer.send({
                    topic,
                    messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, timestamp: String(base + i * 1000) })),
                });
            } finally {
                await producer.disconnect();
            }
            const at = async (ts) => (await admin.fetchTopicOffsetsByTimestamp(topic, ts))[0].offset;
            assert.equal(await at(base - 1), '0');
            assert.equal(await at(base + 3500), '4');
            assert.equal(await at(base + 9000), '9');
            // No record that late: kafkajs substitutes the high watermark.
            assert.equal(await at(base + 60_000), '10');
            const records = await kcatConsume(broker.bootstrap, topic);
            assert.deepEqual(records.map((r) => [r.offset, r.value, r.timestamp]),
                Array.from({ length: 10 }, (_, i) => [i, `v${i}`, base + i * 1000]));
        });
    });
});
