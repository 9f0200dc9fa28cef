// Sends payment events to `payment-done` without a key: the partitioner spreads
// them over the partitions, so two events of one user may land on different ones.

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
    const kafka = createKafka('payment-producer');
    await ensureTopic(kafka);
    const producer = await connectProducer(kafka);

    const sent = await repeat(pace, stop, async () => {
        const payment = makePayment(randomUser());
        const [meta] = await producer.send({
            topic: TOPIC,
            messages: [{ value: JSON.stringify(payment) }],
        });
        console.log(
            `${payment.userId} paid ${payment.amount.toFixed(2)} ${payment.currency}` +
                ` -> partition ${meta.partition} offset ${meta.baseOffset}`,
        );
    });
    console.log(`sent ${sent} payments`);
});
