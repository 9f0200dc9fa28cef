// kafkajs's idempotent producer (idempotent: true, maxInFlightRequests: 1) against connection
// drops and broker restarts: every record ends up in the log exactly once, in order per
// partition, at the offset its send() reported.
//
// kafkajs reaches the broker through a TCP proxy (the broker advertises it with
// advertised.listeners) that resets every connection while a send is in flight, so kafkajs
// retries requests the broker may already have appended; the broker is also restarted with
// SIGTERM and with SIGKILL. The log is read back with kcat, straight from the broker.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { Kafka, Partitioners, logLevel } from 'kafkajs';

import { Broker, kcatConsume, skipReason, sleep } from './helpers.mjs';
import { TcpProxy } from './tcp-proxy.mjs';

const RECORDS = 50_000;
const PER_SEND = 100;
const PARTITIONS = 3;
const KEYS = 30;
// send number -> fault, injected a few milliseconds into that send
const FAULTS = new Map([
    [40, 'drop'], [90, 'drop'], [140, 'sigterm'], [200, 'drop'], [260, 'drop'], [310, 'sigkill'],
    [380, 'drop'], [440, 'drop'],
]);

async function inject(fault, broker, proxy, delayMs) {
    await sleep(delayMs);
    if (fault === 'drop') {
        proxy.dropAll();
        return;
    }
    proxy.upstream = null;
    if (fault === 'sigterm') await broker.stop();
    else await broker.kill();
    proxy.dropAll();
    await broker.start();
    proxy.upstream = broker.port;
}

test('kafkajs idempotent producer: each record once and in order through drops and restarts',
    { skip: skipReason, timeout: 150_000 }, async () => {
        const proxy = await new TcpProxy().listen();
        const broker = new Broker({ settings: { 'advertised.listeners': `PLAINTEXT://${proxy.address}` } });
        let failed = true;
        try {
            await broker.start();
            proxy.upstream = broker.port;
            const kafka = new Kafka({
                clientId: 'fjord-js-idempotence',
                brokers: [proxy.address],
                logLevel: logLevel[process.env.KAFKAJS_LOG_LEVEL ?? 'NOTHING'] ?? logLevel.NOTHING,
                connectionTimeout: 3000,
                requestTimeout: 15000,
                retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 2000 },
            });
            const topic = `js-idem-${randomUUID().slice(0, 8)}`;
            const admin = kafka.admin();
            await admin.connect();
            assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: PARTITIONS }], timeout: 10_000 }), true);
            await admin.disconnect();

            const producer = kafka.producer({
                idempotent: true,
                maxInFlightRequests: 1,
                createPartitioner: Partitioners.DefaultPartitioner,
                retry: { retries: 20, initialRetryTime: 100, maxRetryTime: 2000 },
            });
            await producer.connect();
            const nextSeq = new Map();
            const sends = []; // [{messages, reply}]
            const started = Date.now();
            for (let s = 0; s * PER_SEND < RECORDS; s++) {
                const messages = [];
                for (let i = s * PER_SEND; i < Math.min(RECORDS, (s + 1) * PER_SEND); i++) {
                    const key = `k${String(i % KEYS).padStart(2, '0')}`;
                    const seq = nextSeq.get(key) ?? 0;
                    nextSeq.set(key, seq + 1);
                    messages.push({ key, value: `${key}:${seq}` });
                }
                const sending = producer.send({ topic, acks: -1, messages });
                const fault = FAULTS.get(s);
                const faulting = fault ? inject(fault, broker, proxy, s % 4) : null;
                const [reply] = await Promise.all([sending, faulting]);
                sends.push({ messages, reply });
            }
            await producer.disconnect();
            const elapsedMs = Date.now() - started;
            assert.ok(proxy.drops >= FAULTS.size, `only ${proxy.drops} drops`);

            const logged = await kcatConsume(broker.bootstrap, topic, { timeoutMs: 60_000 });
            assert.equal(logged.length, RECORDS, 'records in the log');
            // Per key: sequence numbers 0..n-1 in log order, all in one partition.
            const seen = new Map();
            const partitionOf = new Map();
            for (const m of logged) {
                const [key, seq] = m.value.split(':');
                assert.equal(key, m.key);
                if (!partitionOf.has(key)) partitionOf.set(key, m.partition);
                assert.equal(partitionOf.get(key), m.partition, `${key} in two partitions`);
                if (!seen.has(key)) seen.set(key, []);
                seen.get(key).push(Number(seq));
            }
            for (const [key, count] of nextSeq) {
                assert.deepEqual(seen.get(key), [...Array(count).keys()], `sequence of ${key}`);
            }
            // Each send's records sit at the base offset its reply named, duplicates included.
            const at = new Map(logged.map((m) => [`${m.partition}/${m.offset}`, m.value]));
            for (const { messages, reply } of sends) {
                for (const { partition, baseOffset, errorCode } of reply) {
                    assert.equal(errorCode, 0);
                    const mine = messages.filter((m) => partitionOf.get(m.key) === partition);
                    mine.forEach((m, i) => {
                        assert.equal(at.get(`${partition}/${Number(baseOffset) + i}`), m.value,
                            `partition ${partition} offset ${Number(baseOffset) + i}`);
                    });
                }
            }
            console.log(`kafkajs: ${RECORDS} records in ${sends.length} sends, ${elapsedMs} ms, ` +
                `${proxy.drops} drops, ${proxy.connections} proxied connections`);
            failed = false;
        } catch (e) {
            console.error(broker.logTail());
            throw e;
        } finally {
            await proxy.close();
            if (broker.isRunning()) await broker.stop();
            if (!failed) broker.cleanup();
        }
    });
