// Kafka transactions with kafkajs 2.2.4: exactly-once consume-transform-produce (eos-worker.mjs in
// a child process, one transaction per chunk: output records + input offsets, committed together),
// including a worker killed with SIGKILL in the middle of a transaction and replaced by one with the
// same transactionalId (which fences the zombie and aborts its transaction); and a plain abort.
// Output is read back with kafkajs consumers at read_committed and read_uncommitted.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Kafka, Partitioners, logLevel } from 'kafkajs';

import { skipReason, sleep, startProcess, waitFor, withBroker } from './helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SETTINGS = {
    'group.initial.rebalance.delay.ms': 0,
    'transaction.state.log.num.partitions': 5,
    'offsets.topic.num.partitions': 5,
    'transaction.abort.timed.out.transaction.cleanup.interval.ms': 500,
};
const N = 300;
const PARTITIONS = 3;

function client(broker, clientId = 'fjord-js-txn') {
    return new Kafka({
        clientId,
        brokers: [broker.bootstrap],
        logLevel: logLevel[process.env.KAFKAJS_LOG_LEVEL ?? 'NOTHING'] ?? logLevel.NOTHING,
        connectionTimeout: 5000,
        requestTimeout: 15000,
        retry: { retries: 8, initialRetryTime: 100, maxRetryTime: 2000 },
    });
}

const topicName = (prefix) => `${prefix}-${randomUUID().slice(0, 8)}`;

async function createTopics(admin, topics) {
    assert.equal(await admin.createTopics({
        topics: topics.map((topic) => ({ topic, numPartitions: PARTITIONS })), timeout: 10_000,
    }), true);
}

async function produceInput(kafka, topic) {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    try {
        const messages = Array.from({ length: N }, (_, i) => ({ key: `in-${i}`, value: `in-${i}` }));
        await producer.send({ topic, acks: -1, messages });
    } finally {
        await producer.disconnect();
    }
}

/** partition -> offset: the group's committed offsets (-1 when none) for `topic`. */
async function committedOffsets(admin, groupId, topic) {
    const [res] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Object.fromEntries(res.partitions.map((p) => [p.partition, Number(p.offset)]));
}

/** partition -> high watermark. */
async function endOffsets(admin, topic) {
    const res = await admin.fetchTopicOffsets(topic);
    return Object.fromEntries(res.map((p) => [p.partition, Number(p.high)]));
}

/**
 * Every record of `topic` seen by a fresh consumer group at the given isolation: waits (bounded)
 * until at least `atLeast` records arrived, then `settleMs` more for any extra ones.
 */
async function readAll(kafka, topic, { readUncommitted, atLeast, settleMs = 1500, timeoutMs = 30_000 }) {
    const consumer = kafka.consumer({
        groupId: `reader-${randomUUID().slice(0, 8)}`,
        readUncommitted,
        maxWaitTimeInMs: 100,
        sessionTimeout: 6000,
        heartbeatInterval: 500,
    });
    const records = [];
    await consumer.connect();
    try {
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({
            eachMessage: async ({ partition, message }) => {
                records.push({ partition, offset: Number(message.offset), value: message.value?.toString() ?? null });
            },
        });
        await waitFor(() => records.length >= atLeast, timeoutMs,
            `${atLeast} records of ${topic} at ${readUncommitted ? 'read_uncommitted' : 'read_committed'} (got ${records.length})`);
        await sleep(settleMs);
    } finally {
        await consumer.disconnect();
    }
    return records;
}

function startWorker(broker, env) {
    return startProcess(process.execPath, [path.join(HERE, 'eos-worker.mjs')], {
        env: { KAFKA_BROKERS: broker.bootstrap, CHUNK: '20', ...env },
    });
}

const workerEvents = (w) => w.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));

function workerErrors(w) {
    return workerEvents(w).filter((e) => e.event === 'error');
}

async function waitDone(admin, groupId, input, ends, worker, timeoutMs) {
    await waitFor(async () => {
        const errors = workerErrors(worker).filter((e) => e.restart !== true);
        if (errors.length) throw new Error(`worker error: ${JSON.stringify(errors.slice(-3))}`);
        const got = await committedOffsets(admin, groupId, input);
        return Object.entries(ends).every(([p, end]) => got[p] === end);
    }, timeoutMs, `the group's committed offsets to reach ${JSON.stringify(ends)} ` +
        `(worker: ${worker.lines.slice(-3).join(' | ')}; ${worker.stderr().slice(-800)})`);
}

/** Asserts that `records` hold out-0..out-(N-1) exactly once each. */
function assertExactlyOnce(records, what) {
    const counts = new Map();
    for (const r of records) counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
    const dups = [...counts].filter(([, c]) => c > 1).map(([v]) => v);
    const missing = Array.from({ length: N }, (_, i) => `out-${i}`).filter((v) => !counts.has(v));
    assert.deepEqual({ dups: dups.slice(0, 20), missing: missing.slice(0, 20) }, { dups: [], missing: [] },
        `${what}: ${dups.length} duplicated, ${missing.length} missing`);
    assert.equal(records.length, N, `${what}: record count`);
}

async function stopWorker(w) {
    if (!w) return;
    w.signal('SIGTERM');
    const exited = await Promise.race([w.exit, sleep(10_000).then(() => null)]);
    if (exited === null) {
        w.signal('SIGKILL');
        await w.exit;
    }
}

test('kafkajs exactly-once: every input record transformed once, offsets committed with the output',
    { skip: skipReason, timeout: 120_000 }, async () => {
        await withBroker({ settings: SETTINGS }, async (broker) => {
            const kafka = client(broker);
            const input = topicName('eos-in');
            const output = topicName('eos-out');
            const groupId = `eos-${input}`;
            const admin = kafka.admin();
            await admin.connect();
            let worker = null;
            try {
                await createTopics(admin, [input, output]);
                await produceInput(kafka, input);
                const ends = await endOffsets(admin, input);
                assert.equal(Object.values(ends).reduce((a, b) => a + b, 0), N);

                worker = startWorker(broker, { INPUT: input, OUTPUT: output, GROUP_ID: groupId, TRANSACTIONAL_ID: `eos-tx-${input}` });
                await waitDone(admin, groupId, input, ends, worker, 60_000);
                const committed = workerEvents(worker).filter((e) => e.event === 'committed');
                assert.equal(committed.at(-1).total, N, 'the worker processed each input record once');
                assert.ok(committed.length >= N / 20, `${committed.length} transactions`);

                const records = await readAll(kafka, output, { readUncommitted: false, atLeast: N });
                assertExactlyOnce(records, 'read_committed output');
                // Nothing was aborted, so read_uncommitted sees the same records.
                const raw = await readAll(kafka, output, { readUncommitted: true, atLeast: N, settleMs: 500 });
                assert.equal(raw.length, N);
                assert.deepEqual(await committedOffsets(admin, groupId, input), ends);
                // The output partitions end with commit markers: LSO = HW, so their end offsets
                // are past the records (one marker per transaction touching a partition).
                const outEnds = await endOffsets(admin, output);
                assert.ok(Object.values(outEnds).reduce((a, b) => a + b, 0) > N, JSON.stringify(outEnds));
            } finally {
                await stopWorker(worker);
                await admin.disconnect();
            }
        });
    });

test('kafkajs exactly-once: a worker killed mid-transaction is fenced and its transaction aborted',
    { skip: skipReason, timeout: 150_000 }, async () => {
        await withBroker({ settings: SETTINGS }, async (broker) => {
            const kafka = client(broker);
            const input = topicName('eos-in');
            const output = topicName('eos-out');
            const groupId = `eos-${input}`;
            const transactionalId = `eos-tx-${input}`;
            const admin = kafka.admin();
            await admin.connect();
            let zombie = null;
            let successor = null;
            try {
                await createTopics(admin, [input, output]);
                await produceInput(kafka, input);
                const ends = await endOffsets(admin, input);
                const common = { INPUT: input, OUTPUT: output, GROUP_ID: groupId, TRANSACTIONAL_ID: transactionalId };

                zombie = startWorker(broker, { ...common, HANG_AFTER_COMMITS: '3', TRANSACTION_TIMEOUT_MS: '60000' });
                const line = await zombie.waitForLine((l) => l.startsWith('IN_TXN'), 60_000, 'the worker to hang in a transaction');
                const open = JSON.parse(line.slice('IN_TXN '.length));
                const before = workerEvents(zombie).filter((e) => e.event === 'committed');
                assert.equal(before.length, 3);
                const committedBefore = before.reduce((a, e) => a + e.count, 0);

                // While the transaction is open: its offsets are not committed, its output is not
                // visible at read_committed, yet it is in the log (read_uncommitted).
                const offsetsNow = await committedOffsets(admin, groupId, input);
                assert.equal(offsetsNow[open.partition], open.first === 0 ? -1 : open.first,
                    `committed offset of input partition ${open.partition} moved with an open transaction: ${JSON.stringify(offsetsNow)} vs ${JSON.stringify(open)}`);
                const visible = await readAll(kafka, output, { readUncommitted: false, atLeast: committedBefore, settleMs: 1000 });
                assert.equal(visible.length, committedBefore, 'read_committed shows only committed transactions');
                const uncommitted = await readAll(kafka, output, { readUncommitted: true, atLeast: committedBefore + open.count, settleMs: 500 });
                assert.equal(uncommitted.length, committedBefore + open.count);
                const visibleValues = new Set(visible.map((r) => r.value));
                const inFlight = uncommitted.filter((r) => !visibleValues.has(r.value)).map((r) => r.value);
                assert.equal(inFlight.length, open.count, 'the open transaction\'s records are exactly the invisible ones');

                console.log(`killed the worker inside a transaction of ${open.count} records (input partition ` +
                    `${open.partition}, offsets ${open.first}..${open.next - 1}) after ${committedBefore} committed`);
                zombie.signal('SIGKILL');
                await zombie.exit;

                successor = startWorker(broker, { ...common, CLIENT_ID: 'eos-worker-2' });
                await waitDone(admin, groupId, input, ends, successor, 90_000);

                const records = await readAll(kafka, output, { readUncommitted: false, atLeast: N });
                assertExactlyOnce(records, 'read_committed output after the kill');
                assert.deepEqual(await committedOffsets(admin, groupId, input), ends);
                // The aborted transaction's records are still in the log: read_uncommitted sees
                // them twice (once aborted, once from the successor's committed transaction).
                const all = await readAll(kafka, output, { readUncommitted: true, atLeast: N + open.count, settleMs: 1000 });
                assert.equal(all.length, N + open.count, 'read_uncommitted: every record plus the aborted ones');
                const counts = new Map();
                for (const r of all) counts.set(r.value, (counts.get(r.value) ?? 0) + 1);
                const twice = [...counts].filter(([, c]) => c === 2).map(([v]) => v).sort();
                assert.deepEqual(twice, [...inFlight].sort(), 'the duplicates are the aborted transaction\'s records');
                assert.ok([...counts.values()].every((c) => c <= 2));
                // The aborted copies sit at lower offsets than the committed ones, and
                // read_committed returned the committed copy of each.
                const committedAt = new Map(records.map((r) => [r.value, `${r.partition}@${r.offset}`]));
                for (const v of inFlight) {
                    const copies = all.filter((r) => r.value === v);
                    assert.equal(copies.length, 2);
                    assert.equal(copies[0].partition, copies[1].partition);
                    const later = copies.reduce((a, b) => (a.offset > b.offset ? a : b));
                    assert.equal(committedAt.get(v), `${later.partition}@${later.offset}`, `${v}: read_committed returned the aborted copy`);
                }
                // The successor re-processed exactly the zombie's uncommitted chunk onwards.
                const succCommitted = workerEvents(successor).filter((e) => e.event === 'committed');
                assert.equal(succCommitted.at(-1).total + committedBefore, N);
            } finally {
                if (zombie) {
                    zombie.signal('SIGKILL');
                    await zombie.exit;
                }
                await stopWorker(successor);
                await admin.disconnect();
            }
        });
    });

test('kafkajs transaction abort: read_committed sees nothing of it, read_uncommitted sees it',
    { skip: skipReason, timeout: 90_000 }, async () => {
        await withBroker({ settings: SETTINGS }, async (broker) => {
            const kafka = client(broker);
            const topic = topicName('txn-abort');
            const admin = kafka.admin();
            await admin.connect();
            const producer = kafka.producer({
                transactionalId: `abort-${topic}`,
                idempotent: true,
                maxInFlightRequests: 1,
                transactionTimeout: 10000,
            });
            try {
                await createTopics(admin, [topic]);
                await producer.connect();
                const aborted = Array.from({ length: 5 }, (_, i) => ({ key: `a-${i}`, value: `aborted-${i}` }));
                const tx = await producer.transaction();
                await tx.send({ topic, messages: aborted });
                await tx.abort();
                assert.equal(tx.isActive(), false);

                // A committed transaction after it, so readers know when they have read past it.
                const tx2 = await producer.transaction();
                await tx2.send({ topic, messages: [{ key: 'a-0', value: 'committed-0' }] });
                await tx2.commit();

                const committed = await readAll(kafka, topic, { readUncommitted: false, atLeast: 1 });
                assert.deepEqual(committed.map((r) => r.value), ['committed-0']);
                const raw = await readAll(kafka, topic, { readUncommitted: true, atLeast: 6, settleMs: 500 });
                assert.deepEqual(raw.map((r) => r.value).sort(), [...aborted.map((m) => m.value), 'committed-0'].sort());
                // Each partition of each transaction got one marker after the data records.
                const partitionsOf = (pred) => new Set(raw.filter((r) => pred(r.value)).map((r) => r.partition)).size;
                const markers = partitionsOf((v) => v.startsWith('aborted-')) + partitionsOf((v) => v === 'committed-0');
                const ends = await endOffsets(admin, topic);
                assert.equal(Object.values(ends).reduce((a, b) => a + b, 0), 6 + markers, `end offsets ${JSON.stringify(ends)}`);
            } finally {
                await producer.disconnect().catch(() => {});
                await admin.disconnect();
            }
        });
    });
