// Sends payment events to `payment-done` keyed by user id. Messages with the same
// key always go to the same partition, and a partition keeps its order, so each
// user's payments are read back in the order they were made.

import {
    TOPIC,
    connectProducer,
    createKafka,
    ensureTopic,
    makePayment,
    paceFromEnv,
    randomUser,
    repeat,
    run,
} from './common.js';

run(async (stop) => {
    const pace = paceFromEnv();
    const kafka = createKafka('payment-producer-user');
    await ensureTopic(kafka);
    const producer = await connectProducer(kafka);

    const sent = await repeat(pace, stop, async () => {
        const payment = makePayment(randomUser());
        const [meta] = await producer.send({
            topic: TOPIC,
            messages: [{ key: payment.userId, value: JSON.stringify(payment) }],
        });
        console.log(
            `key ${payment.userId} -> partition ${meta.partition} offset ${meta.baseOffset}` +
                ` (${payment.amount.toFixed(2)} ${payment.currency})`,
        );
    });
    console.log(`sent ${sent} payments`);
});
