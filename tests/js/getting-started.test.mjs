// Runs the getting-started tutorial's producers (examples/getting-started, kafkajs in
// TypeScript via tsx) against a real broker, then reads `payment-done` back with kcat: every
// payment is there, and each user's keyed payments all sit in the one partition that kafkajs's
// murmur2 partitioner picks for that user id.

import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';

import { REPO, javaPartition, kcatConsume, runOk, skipReason, withBroker } from './helpers.mjs';

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
