// Runs the getting-started tutorial's producers (examples/getting-started, kafkajs in
// TypeScript via tsx) against a real broker, then reads `payment-done` back with kcat: every
// payment is there, and each user's keyed payments all sit in the one partition that kafkajs's
// murmur2 partitioner picks for that user id. The tutorial's consumer, a consumer-group member,
// receives what the producer sent and, started again, continues from its group's commits.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { REPO, javaPartition, kcatConsume, runOk, skipReason, startProcess, waitFor, withBroker } from './helpers.mjs';

const EXAMPLE = path.join(REPO, 'examples', 'getting-started');
const TOPIC = 'payment-done';
const PARTITIONS = 3; // what the tutorial's ensureTopic() creates

const skip = skipReason || (existsSync(path.join(EXAMPLE, 'package.json')) ? false : `${EXAMPLE} is missing`);

function runTutorial(script, broker, count) {
    if (!existsSync(path.join(EXAMPLE, 'node_modules', '.bin', 'tsx'))) {
        throw new Error(`tutorial dependencies are not installed: run npm ci --prefix ${EXAMPLE}`);
    }
    return runOk('npm', ['run', '--silent', script], {
        cwd: EXAMPLE,
        env: { KAFKA_BROKERS: broker.bootstrap, MESSAGE_COUNT: String(count), INTERVAL_MS: '0' },
        timeoutMs: 90_000,
    });
}

test('tutorial producers write payments that read back complete and keyed by user', { skip, timeout: 240_000 }, async () => {
    await withBroker({}, async (broker) => {
        const plain = await runTutorial('producer', broker, 25);
        assert.match(plain.stdout, /sent 25 payments/);

        const keyed = await runTutorial('producer-user', broker, 40);
        assert.match(keyed.stdout, /sent 40 payments/);
        // "key user-3 -> partition 1 offset 7 (12.5 NOK)": what kafkajs was told on each ack.
        const acked = [...keyed.stdout.matchAll(/^key (\S+) -> partition (\d+) offset (\d+)/gm)]
            .map((m) => ({ key: m[1], partition: Number(m[2]), offset: Number(m[3]) }));
        assert.equal(acked.length, 40, keyed.stdout);

        const records = await kcatConsume(broker.bootstrap, TOPIC);
        assert.equal(records.length, 65, 'every payment of both producers');
        assert.equal(new Set(records.map((r) => r.partition)).size <= PARTITIONS, true);

        for (let p = 0; p < PARTITIONS; p++) {
            const offsets = records.filter((r) => r.partition === p).map((r) => r.offset);
            assert.deepEqual(offsets, offsets.map((_, i) => i), `offsets of partition ${p}`);
        }

        const payments = records.map((r) => ({ ...r, payment: JSON.parse(r.value) }));
        for (const { payment } of payments) {
            for (const field of ['paymentId', 'userId', 'amount', 'currency', 'at']) {
                assert.ok(field in payment, `payment without ${field}: ${JSON.stringify(payment)}`);
            }
        }
        assert.equal(new Set(payments.map((r) => r.payment.paymentId)).size, 65, 'payment ids are unique');

        const withKey = payments.filter((r) => r.key !== null);
        assert.equal(withKey.length, 40);
        assert.equal(payments.filter((r) => r.key === null).length, 25);
        const partitionsOfUser = new Map();
        for (const r of withKey) {
            assert.equal(r.key, r.payment.userId, 'the key is the user id');
            if (!partitionsOfUser.has(r.key)) partitionsOfUser.set(r.key, new Set());
            partitionsOfUser.get(r.key).add(r.partition);
        }
        for (const [user, parts] of partitionsOfUser) {
            assert.deepEqual([...parts], [javaPartition(user, PARTITIONS)], `${user}'s payments are spread over ${[...parts]}`);
        }

        // What each producer was acknowledged is exactly what is in the log.
        for (const a of acked) {
            const r = records.find((x) => x.partition === a.partition && x.offset === a.offset);
            assert.ok(r && r.key === a.key, `acked ${JSON.stringify(a)} not found in the log`);
        }
    });
});

/** The tutorial consumer (`npm run consumer`) as a long-running process of group `groupId`. */
function startTutorialConsumer(broker, groupId) {
    return startProcess('npm', ['run', '--silent', 'consumer'], {
        cwd: EXAMPLE,
        env: { KAFKA_BROKERS: broker.bootstrap, GROUP_ID: groupId },
    });
}

// "partition 1 offset 7 key (none) {...}": what the tutorial consumer prints per record.
const consumedLines = (proc) => proc.lines
    .map((l) => l.match(/^partition (\d+) offset (\d+) key (\S+) (.*)$/))
    .filter(Boolean)
    .map((m) => ({ partition: Number(m[1]), offset: Number(m[2]), key: m[3], value: m[4] }));

// "alice paid 12.50 NOK -> partition 1 offset 7": what the tutorial producer was acknowledged.
const ackedLines = (stdout) => [...stdout.matchAll(/-> partition (\d+) offset (\d+)$/gm)]
    .map((m) => `${m[1]}@${m[2]}`);

async function stopTutorialConsumer(proc) {
    // npm does not relay SIGTERM; tsx does, to the program, which then disconnects (LeaveGroup)
    // and exits. Signalling the whole group could deliver it twice (directly and via tsx), and
    // the tutorial takes a second signal as "exit without a clean disconnect".
    const tsx = proc.signalWhere((args) => /node_modules\/\.bin\/tsx consumer\.ts/.test(args), 'SIGTERM');
    assert.equal(tsx.length, 1, 'the tsx process of the tutorial consumer');
    let timer;
    const result = await Promise.race([
        proc.exit,
        new Promise((resolve) => { timer = setTimeout(() => resolve(null), 30_000); }),
    ]);
    clearTimeout(timer);
    if (result === null) {
        proc.signal('SIGKILL');
        await proc.exit;
        throw new Error(`tutorial consumer still running 30 s after SIGTERM\n${proc.lines.slice(-10).join('\n')}`);
    }
    assert.ok(proc.lines.includes('SIGTERM received, disconnecting'), proc.lines.slice(-10).join('\n'));
    assert.ok(!proc.stderr().includes('exiting without a clean disconnect'), proc.stderr());
    assert.doesNotMatch(proc.stderr(), /^error:/m, proc.stderr());
}

test('tutorial consumer receives what the producer sent, and its group continues where it stopped', { skip, timeout: 240_000 }, async () => {
    await withBroker({ settings: { 'group.initial.rebalance.delay.ms': 0 } }, async (broker) => {
        const groupId = 'payment-processors-test';
        const first = await runTutorial('producer', broker, 12);
        const sent = ackedLines(first.stdout);
        assert.equal(sent.length, 12, first.stdout);

        let consumer = startTutorialConsumer(broker, groupId);
        try {
            await consumer.waitForLine((l) => /^joined group payment-processors-test: partitions \[0, 1, 2\] of payment-done$/.test(l),
                60_000, 'the consumer to join and get all 3 partitions');
            await waitFor(() => consumedLines(consumer).length >= 12, 60_000, '12 records consumed');
            // kafkajs commits after each batch; stopping leaves the group cleanly.
        } finally {
            await stopTutorialConsumer(consumer);
        }
        const got = consumedLines(consumer);
        assert.deepEqual(got.map((r) => `${r.partition}@${r.offset}`).sort(), [...sent].sort());
        for (const r of got) assert.ok(JSON.parse(r.value).paymentId, r.value);

        // Same group again after more payments: only the new ones.
        const second = await runTutorial('producer', broker, 5);
        const sentLater = ackedLines(second.stdout);
        consumer = startTutorialConsumer(broker, groupId);
        try {
            await waitFor(() => consumedLines(consumer).length >= 5, 60_000, 'the 5 new records');
        } finally {
            await stopTutorialConsumer(consumer);
        }
        assert.deepEqual(consumedLines(consumer).map((r) => `${r.partition}@${r.offset}`).sort(), [...sentLater].sort(),
            'a restarted member of the group reads from the committed offsets');
    });
});
