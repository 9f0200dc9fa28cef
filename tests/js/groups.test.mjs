// Consumer groups with kafkajs 2.2.4, the tutorial's scenario: three consumers of one group share
// a 3-partition topic (one partition each), together get every record exactly once, keyed
// records stay with one consumer, a second group gets everything too; a consumer that leaves
// hands its partition over at once, and one killed with SIGKILL hands it over after the session
// timeout, when the records it had not committed are delivered again.

import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { AssignerProtocol, Kafka, Partitioners, logLevel } from 'kafkajs';

import { javaPartition, skipReason, startProcess, waitFor, withBroker } from './helpers.mjs';

const HERE = path.dirname(fileURLToPath(import.meta.url));
const SETTINGS = { 'group.initial.rebalance.delay.ms': 0 };
const SESSION_TIMEOUT_MS = 6000; // the broker's group.min.session.timeout.ms

function client(broker, clientId = 'fjord-js-groups') {
    return new Kafka({
        clientId,
        brokers: [broker.bootstrap],
        logLevel: logLevel[process.env.KAFKAJS_LOG_LEVEL ?? 'NOTHING'] ?? logLevel.NOTHING,
        connectionTimeout: 5000,
        requestTimeout: 15000,
        retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 },
    });
}

const topicName = (prefix) => `${prefix}-${randomUUID().slice(0, 8)}`;
const sorted = (xs) => [...xs].sort((a, b) => a - b);
const recordKey = (r) => `${r.partition}@${r.offset}`;

/** A kafkajs consumer in this process that remembers its assignments and records. */
class Member {
    constructor(kafka, groupId, topic, name) {
        this.name = name;
        this.topic = topic;
        this.consumer = kafka.consumer({
            groupId,
            sessionTimeout: SESSION_TIMEOUT_MS,
            heartbeatInterval: 500,
            rebalanceTimeout: 10000,
            maxWaitTimeInMs: 250,
            retry: { retries: 5, initialRetryTime: 100, maxRetryTime: 1000 },
        });
        this.assignment = null; // partitions of the latest GROUP_JOIN
        this.memberId = null;
        this.joins = []; // {at, assignment}
        this.records = []; // {partition, offset, key, value, at}
        this.crash = null;
        this.connected = false;
        this.consumer.on(this.consumer.events.GROUP_JOIN, ({ payload }) => {
            this.memberId = payload.memberId;
            this.assignment = sorted(payload.memberAssignment[topic] ?? []);
            this.joins.push({ at: Date.now(), assignment: this.assignment });
        });
        this.consumer.on(this.consumer.events.CRASH, ({ payload }) => {
            if (!payload.restart) this.crash = payload.error;
        });
    }

    async start() {
        await this.consumer.connect();
        this.connected = true;
        await this.consumer.subscribe({ topic: this.topic, fromBeginning: true });
        await this.consumer.run({
            eachMessage: async ({ partition, message }) => {
                this.records.push({
                    partition,
                    offset: Number(message.offset),
                    key: message.key?.toString() ?? null,
                    value: message.value?.toString() ?? null,
                    at: Date.now(),
                });
            },
        });
        return this;
    }

    async stop() {
        if (!this.connected) return;
        this.connected = false;
        await this.consumer.disconnect();
    }
}

async function stopAll(members) {
    await Promise.all(members.map((m) => m.stop().catch(() => {})));
}

/** True when each assignment is non-empty, they do not overlap, and they cover 0..n-1. */
function splits(assignments, partitions) {
    if (assignments.some((a) => !a || a.length === 0)) return false;
    const all = assignments.flat();
    return all.length === partitions && new Set(all).size === partitions && all.every((p) => p >= 0 && p < partitions);
}

/** The group as the coordinator describes it: state and member id -> assigned partitions. */
async function describe(admin, groupId, topic) {
    const { groups } = await admin.describeGroups([groupId]);
    const g = groups[0];
    const members = {};
    for (const m of g.members) {
        const decoded = AssignerProtocol.MemberAssignment.decode(m.memberAssignment);
        members[m.memberId] = sorted(decoded?.assignment?.[topic] ?? []);
    }
    return { state: g.state, protocolType: g.protocolType, members, clientIds: g.members.map((m) => m.clientId) };
}

/** Waits until the members' assignments split the topic and the coordinator agrees (Stable). */
async function waitStable(admin, groupId, topic, partitions, members, timeoutMs, what) {
    await waitFor(async () => {
        for (const m of members) if (m.crash) throw new Error(`${m.name} crashed: ${m.crash}`);
        if (!splits(members.map((m) => m.assignment), partitions)) return false;
        const d = await describe(admin, groupId, topic);
        if (d.state !== 'Stable' || Object.keys(d.members).length !== members.length) return false;
        return members.every((m) => JSON.stringify(d.members[m.memberId]) === JSON.stringify(m.assignment));
    }, timeoutMs, `${what}: ${members.map((m) => `${m.name}=${JSON.stringify(m.assignment)}`).join(' ')}`);
}

async function committed(admin, groupId, topic) {
    const [t] = await admin.fetchOffsets({ groupId, topics: [topic] });
    return Object.fromEntries(t.partitions.map((p) => [p.partition, Number(p.offset)]));
}

async function produce(kafka, topic, messages) {
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner, allowAutoTopicCreation: false });
    await producer.connect();
    try {
        return await producer.send({ topic, acks: -1, messages });
    } finally {
        await producer.disconnect();
    }
}

function assertExactlyOnce(records, expected, what) {
    const got = records.map(recordKey);
    const dupes = got.filter((k, i) => got.indexOf(k) !== i);
    assert.deepEqual(dupes, [], `${what}: delivered more than once`);
    assert.deepEqual([...got].sort(), [...expected].sort(), `${what}: records differ`);
}

test('three consumers share a topic, every record once, keys stick, a leaver hands over', { skip: skipReason, timeout: 150_000 }, async () => {
    await withBroker({ settings: SETTINGS }, async (broker) => {
        const kafka = client(broker);
        const topic = topicName('js-groups');
        const groupId = `payments-${topic}`;
        const admin = kafka.admin();
        await admin.connect();
        const members = [];
        try {
            assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 3 }], timeout: 10_000 }), true);
            for (let i = 0; i < 3; i++) members.push(new Member(kafka, groupId, topic, `c${i}`));
            await Promise.all(members.map((m) => m.start()));
            await waitStable(admin, groupId, topic, 3, members, 40_000, 'three consumers with one partition each');
            for (const m of members) assert.equal(m.assignment.length, 1, `${m.name} has ${m.assignment}`);
            const d = await describe(admin, groupId, topic);
            assert.equal(d.protocolType, 'consumer');

            // Keyed records: a key always maps to one partition, so to one consumer.
            const messages = Array.from({ length: 60 }, (_, i) => ({ key: `user-${i % 9}`, value: `payment-${i}` }));
            await produce(kafka, topic, messages);
            const all = () => members.flatMap((m) => m.records);
            await waitFor(() => all().length >= 60, 30_000, 'all 60 records consumed');
            const counts = {};
            for (const m of messages) counts[javaPartition(m.key, 3)] = (counts[javaPartition(m.key, 3)] ?? 0) + 1;
            const expected = Object.entries(counts).flatMap(([p, n]) => Array.from({ length: n }, (_, o) => `${p}@${o}`));
            assertExactlyOnce(all(), expected, 'group of three');
            const consumerOfKey = new Map();
            for (const m of members) {
                for (const r of m.records) {
                    assert.ok(m.assignment.includes(r.partition), `${m.name} got partition ${r.partition}, owns ${m.assignment}`);
                    assert.equal(r.partition, javaPartition(r.key, 3), `key ${r.key} in partition ${r.partition}`);
                    if (!consumerOfKey.has(r.key)) consumerOfKey.set(r.key, new Set());
                    consumerOfKey.get(r.key).add(m.name);
                }
            }
            for (const [key, names] of consumerOfKey) assert.equal(names.size, 1, `${key} went to ${[...names]}`);

            // A second group reads everything too, independently of the first.
            const other = new Member(kafka, `audit-${topic}`, topic, 'audit');
            members.push(other);
            await other.start();
            await waitFor(() => other.records.length >= 60, 30_000, 'the second group to read all 60 records');
            assertExactlyOnce(other.records, expected, 'second group');
            await other.stop();

            // Everything is committed (kafkajs auto-commits after each batch); then c2 leaves.
            const hw = Object.fromEntries(Object.entries(counts).map(([p, n]) => [p, n]));
            for (let p = 0; p < 3; p++) hw[p] = hw[p] ?? 0;
            await waitFor(async () => {
                const c = await committed(admin, groupId, topic);
                return [0, 1, 2].every((p) => hw[p] === 0 || c[p] === hw[p]);
            }, 15_000, `committed offsets to reach ${JSON.stringify(hw)}`);
            assertExactlyOnce(members.slice(0, 3).flatMap((m) => m.records), expected, 'group of three, later');

            const [c0, c1, c2] = members;
            const moved = c2.assignment[0];
            const leftAt = Date.now();
            await c2.stop();
            await waitStable(admin, groupId, topic, 3, [c0, c1], SESSION_TIMEOUT_MS, `partition ${moved} to move after a graceful leave`);
            const took = Math.max(...[c0, c1].map((m) => m.joins.at(-1).at)) - leftAt;
            assert.ok(took < SESSION_TIMEOUT_MS, `takeover took ${took} ms`);
            assert.ok(c0.assignment.includes(moved) || c1.assignment.includes(moved));

            const before = new Map([c0, c1].map((m) => [m, m.records.length]));
            const more = [0, 1, 2].flatMap((p) => Array.from({ length: 10 }, (_, i) => ({ partition: p, value: `after-${p}-${i}` })));
            await produce(kafka, topic, more);
            const fresh = () => [c0, c1].flatMap((m) => m.records.slice(before.get(m)));
            await waitFor(() => fresh().length >= 30, 30_000, '30 records after the leave');
            assertExactlyOnce(fresh(), [0, 1, 2].flatMap((p) => Array.from({ length: 10 }, (_, i) => `${p}@${hw[p] + i}`)),
                'after the takeover');
        } finally {
            await stopAll(members);
            await admin.disconnect();
        }
    });
});

test('a consumer killed with SIGKILL: its partition moves after the session timeout, uncommitted records come again', { skip: skipReason, timeout: 150_000 }, async () => {
    await withBroker({ settings: SETTINGS }, async (broker) => {
        const kafka = client(broker);
        const topic = topicName('js-kill');
        const groupId = `workers-${topic}`;
        const admin = kafka.admin();
        await admin.connect();
        const a = new Member(kafka, groupId, topic, 'a');
        let child = null;
        try {
            assert.equal(await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], timeout: 10_000 }), true);
            await a.start();
            await waitStable(admin, groupId, topic, 2, [a], 20_000, 'a alone');

            child = startProcess(process.execPath, [path.join(HERE, 'group-member.mjs')], {
                env: { KAFKA_BROKERS: broker.bootstrap, GROUP_ID: groupId, TOPIC: topic, COMMIT_MODE: 'command', CLIENT_ID: 'b' },
            });
            const events = () => child.lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
            const bAssignment = () => events().filter((e) => e.event === 'join').at(-1)?.assignment;
            await waitFor(async () => {
                const b = bAssignment();
                if (!b || !splits([a.assignment, b], 2)) return false;
                const d = await describe(admin, groupId, topic);
                return d.state === 'Stable' && Object.keys(d.members).length === 2;
            }, 40_000, `a and the child to split 2 partitions (child: ${child.lines.slice(-5).join(' | ')}; ${child.stderr().slice(-500)})`);
            const [bPart] = bAssignment();
            const [aPart] = a.assignment;

            const batch = (from, n) => [0, 1].flatMap((p) => Array.from({ length: n }, (_, i) => ({ partition: p, value: `r-${p}-${from + i}` })));
            const bRecords = () => events().filter((e) => e.event === 'record');
            await produce(kafka, topic, batch(0, 10));
            await waitFor(() => bRecords().length >= 10 && a.records.length >= 10, 30_000, 'the first 10 records on each side');

            child.child.stdin.write('commit\n');
            await child.waitForLine((l) => l.includes('"committed"'), 10_000, 'the child to commit');
            assert.deepEqual((await committed(admin, groupId, topic))[bPart], 10);

            await produce(kafka, topic, batch(10, 5));
            await waitFor(() => bRecords().length >= 15, 30_000, 'the child to process 5 more (not committed)');
            assert.deepEqual(bRecords().map((r) => r.offset), Array.from({ length: 15 }, (_, i) => i));

            const killedAt = Date.now();
            child.signal('SIGKILL');
            await child.exit;
            const joinsBefore = a.joins.length;
            await waitFor(() => a.joins.length > joinsBefore && splits([a.assignment], 2), SESSION_TIMEOUT_MS + 15_000,
                `a to take over partition ${bPart}`);
            const took = a.joins.at(-1).at - killedAt;
            assert.ok(took >= SESSION_TIMEOUT_MS - 2000,
                `takeover ${took} ms after SIGKILL: the coordinator must wait for the session timeout (${SESSION_TIMEOUT_MS} ms), not react to the closed connection`);

            await produce(kafka, topic, batch(15, 5));
            const fromB = () => a.records.filter((r) => r.partition === bPart);
            await waitFor(() => fromB().length >= 10, 30_000, `a to read partition ${bPart} from the committed offset`);
            const offsets = fromB().map((r) => r.offset);
            assert.equal(Math.min(...offsets), 10, `a resumed at ${Math.min(...offsets)}, the committed offset is 10`);
            assert.deepEqual([...new Set(offsets)].sort((x, y) => x - y), Array.from({ length: 10 }, (_, i) => 10 + i),
                'the 5 uncommitted records again, then the new ones');
            await waitFor(() => a.records.filter((r) => r.partition === aPart).length >= 20, 30_000, 'a\'s own partition');

            // None lost: every record was processed by someone.
            const seen = new Set([...a.records, ...bRecords().map((r) => ({ ...r, partition: bPart }))].map(recordKey));
            for (const p of [0, 1]) for (let o = 0; o < 20; o++) assert.ok(seen.has(`${p}@${o}`), `${p}@${o} was never delivered`);
        } finally {
            if (child) {
                child.signal('SIGKILL');
                await child.exit;
            }
            await a.stop().catch(() => {});
            await admin.disconnect();
        }
    });
});

test('kafkajs admin: list, describe, offsets, delete groups', { skip: skipReason, timeout: 90_000 }, async () => {
    await withBroker({ settings: SETTINGS }, async (broker) => {
        const kafka = client(broker);
        const topic = topicName('js-admin');
        const groupId = `admin-${topic}`;
        const admin = kafka.admin();
        await admin.connect();
        const m = new Member(kafka, groupId, topic, 'lonely');
        try {
            await admin.createTopics({ topics: [{ topic, numPartitions: 2 }], timeout: 10_000 });
            await produce(kafka, topic, [0, 1].flatMap((p) => Array.from({ length: 4 }, (_, i) => ({ partition: p, value: `v${i}` }))));
            await m.start();
            await waitStable(admin, groupId, topic, 2, [m], 20_000, 'the member assigned');
            await waitFor(() => m.records.length >= 8, 20_000, '8 records');

            const { groups } = await admin.listGroups();
            assert.ok(groups.some((g) => g.groupId === groupId && g.protocolType === 'consumer'), JSON.stringify(groups));
            const d = await describe(admin, groupId, topic);
            assert.deepEqual(d.clientIds, ['fjord-js-groups']);
            await waitFor(async () => JSON.stringify(await committed(admin, groupId, topic)) === JSON.stringify({ 0: 4, 1: 4 }),
                10_000, 'offsets committed at 4');

            // A group with members cannot be deleted, nor its offsets set.
            await assert.rejects(admin.deleteGroups([groupId]), (e) => {
                const codes = [];
                for (let x = e, i = 0; x && i < 5; x = x.originalError ?? x.cause, i++) {
                    for (const g of x.groups ?? []) codes.push([g.groupId, g.errorCode]);
                }
                assert.deepEqual(codes, [[groupId, 68]], `NON_EMPTY_GROUP expected: ${e.message}`);
                return true;
            });
            await m.stop();
            await waitFor(async () => (await describe(admin, groupId, topic)).state === 'Empty', 10_000, 'the group to be Empty');

            // An empty group's offsets can be set (kafkajs joins the group briefly to commit them),
            // then the group deleted.
            await admin.setOffsets({ groupId, topic, partitions: [{ partition: 0, offset: '1' }, { partition: 1, offset: '2' }] });
            assert.deepEqual(await committed(admin, groupId, topic), { 0: 1, 1: 2 });
            await waitFor(async () => (await describe(admin, groupId, topic)).state === 'Empty', 40_000, 'the group to be Empty again');
            const deleted = await admin.deleteGroups([groupId]);
            assert.deepEqual(deleted.map((g) => [g.groupId, g.errorCode]), [[groupId, 0]]);
            assert.ok(!(await admin.listGroups()).groups.some((g) => g.groupId === groupId));
            assert.deepEqual(await committed(admin, groupId, topic), { 0: -1, 1: -1 });
        } finally {
            await m.stop().catch(() => {});
            await admin.disconnect();
        }
    });
});
