// Reads `payment-done` as one member of a consumer group. Start several copies
// with the same GROUP_ID: the broker splits the topic's partitions between them,
// and moves a member's partitions to the others when it leaves.

import { TOPIC, createKafka, disconnectOnExit, ensureTopic, run, untilStopped } from './common.js';

run(async (stop) => {
    const groupId = process.env.GROUP_ID?.trim() || 'payment-processors';
    const kafka = createKafka('payment-consumer');
    // Subscribing to a missing topic would have the broker create it with its default
    // partition count (one), and a group of three would then have one busy member.
    await ensureTopic(kafka);
    const consumer = disconnectOnExit(kafka.consumer({ groupId }));

    // kafkajs restarts the consumer after retriable errors by itself; only a crash
    // it gives up on ends the program.
    const crashed = new Promise<never>((_, reject) => {
        consumer.on(consumer.events.CRASH, ({ payload }) => {
            if (!payload.restart) reject(payload.error);
        });
    });
    // Awaited in the race below; this only keeps an early crash from counting as unhandled.
    crashed.catch(() => {});
    consumer.on(consumer.events.GROUP_JOIN, ({ payload }) => {
        const partitions = payload.memberAssignment[TOPIC] ?? [];
        console.log(
            `joined group ${groupId}: partitions [${partitions.join(', ')}] of ${TOPIC}`,
        );
    });

    await consumer.connect();
    await consumer.subscribe({ topic: TOPIC, fromBeginning: true });
    await consumer.run({
        eachMessage: async ({ partition, message }) => {
            const key = message.key?.toString() ?? '(none)';
            const value = message.value?.toString() ?? '(null)';
            console.log(`partition ${partition} offset ${message.offset} key ${key} ${value}`);
        },
    });
    await Promise.race([untilStopped(stop), crashed]);
});
