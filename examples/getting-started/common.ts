// What the three tutorial programs share: where the broker is, the topic, a
// client factory, the payment event shape, and how a program starts and stops.

import { randomInt, randomUUID } from 'node:crypto';
import { Kafka, Partitioners, logLevel, type Admin, type LogEntry, type Producer } from 'kafkajs';

export const TOPIC = 'payment-done';
export const TOPIC_PARTITIONS = 3;
// With the Java-compatible partitioner and 3 partitions these keys land two per
// partition, so every member of a three-consumer group sees keyed events.
export const USER_IDS = ['alice', 'bob', 'carol', 'dave', 'erin', 'frank'] as const;

/** Thrown for a bad environment variable; reported without a stack trace. */
export class ConfigError extends Error {}

export function brokers(): string[] {
    const list = (process.env.KAFKA_BROKERS ?? 'localhost:9092')
        .split(',')
        .map((b) => b.trim())
        .filter((b) => b.length > 0);
    if (list.length === 0) throw new ConfigError('KAFKA_BROKERS is empty');
    return list;
}

/** A non-negative integer from the environment; `fallback` when unset or empty. */
export function intFromEnv(name: string, fallback: number): number {
    const raw = process.env[name];
    if (raw === undefined || raw.trim() === '') return fallback;
    const value = Number(raw);
    if (!Number.isSafeInteger(value) || value < 0) {
        throw new ConfigError(`${name} must be a non-negative integer, got "${raw}"`);
    }
    return value;
}

// kafkajs logs JSON objects, and every reconnect at INFO: one short line per
// warning or error keeps the tutorial's own output readable.
function logLine({ namespace, label, log }: LogEntry): void {
    const error = log.error === undefined ? '' : `: ${log.error}`;
    console.error(`kafkajs ${label.toLowerCase()} [${namespace}] ${log.message}${error}`);
}

export function createKafka(clientId: string): Kafka {
    return new Kafka({
        clientId,
        brokers: brokers(),
        logLevel: logLevel.WARN,
        logCreator: () => logLine,
    });
}

/** A connected producer, disconnected when the program ends. */
export async function connectProducer(kafka: Kafka): Promise<Producer> {
    // Naming the partitioner (murmur2 on the key, like the Java client; round robin
    // without a key) also silences kafkajs 2's warning about its changed default.
    const producer = disconnectOnExit(
        kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner }),
    );
    await producer.connect();
    return producer;
}

/** Creates the topic with TOPIC_PARTITIONS partitions unless it already exists. */
export async function ensureTopic(kafka: Kafka): Promise<void> {
    const admin: Admin = kafka.admin();
    await admin.connect();
    try {
        if ((await admin.listTopics()).includes(TOPIC)) return;
        // Another program may create it meanwhile: kafkajs then answers false
        // instead of throwing, as it does for TOPIC_ALREADY_EXISTS.
        const created = await admin.createTopics({
            topics: [{ topic: TOPIC, numPartitions: TOPIC_PARTITIONS }],
        });
        if (created) console.log(`created topic ${TOPIC} with ${TOPIC_PARTITIONS} partitions`);
    } finally {
        await admin.disconnect();
    }
}

export interface Payment {
    paymentId: string;
    userId: string;
    amount: number;
    currency: string;
    at: string;
}

const CURRENCIES = ['NOK', 'EUR', 'USD'] as const;

export function makePayment(userId: string): Payment {
    return {
        paymentId: randomUUID(),
        userId,
        amount: randomInt(100, 100_000) / 100,
        currency: CURRENCIES[randomInt(CURRENCIES.length)],
        at: new Date().toISOString(),
    };
}

export function randomUser(): string {
    return USER_IDS[randomInt(USER_IDS.length)];
}

/** How many messages a producer sends and how far apart, from MESSAGE_COUNT and INTERVAL_MS. */
export interface Pace {
    count: number; // Infinity when MESSAGE_COUNT is unset
    intervalMs: number; // 0 sends back to back
}

export function paceFromEnv(): Pace {
    const count = intFromEnv('MESSAGE_COUNT', 0);
    return { count: count === 0 ? Infinity : count, intervalMs: intFromEnv('INTERVAL_MS', 1000) };
}

/**
 * Calls `send` pace.count times, pace.intervalMs apart, until `stop` fires;
 * returns how many calls completed.
 */
export async function repeat(
    pace: Pace,
    stop: AbortSignal,
    send: () => Promise<void>,
): Promise<number> {
    let sent = 0;
    while (sent < pace.count && !stop.aborted) {
        await send();
        sent++;
        if (pace.intervalMs > 0 && sent < pace.count) await sleep(pace.intervalMs, stop);
    }
    return sent;
}

/** Resolves after `ms`, or as soon as `stop` fires; never rejects. */
export function sleep(ms: number, stop: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
        if (stop.aborted) return resolve();
        const timer = setTimeout(done, ms);
        stop.addEventListener('abort', done, { once: true });
        function done() {
            clearTimeout(timer);
            stop.removeEventListener('abort', done);
            resolve();
        }
    });
}

export function untilStopped(stop: AbortSignal): Promise<void> {
    return sleep(2 ** 31 - 1, stop);
}

export interface Disconnectable {
    disconnect(): Promise<void>;
}

const clients: Disconnectable[] = [];

/** Registers `client` to be disconnected when the program ends, however it ends. */
export function disconnectOnExit<T extends Disconnectable>(client: T): T {
    clients.push(client);
    return client;
}

async function disconnectAll(): Promise<void> {
    // splice: each client is disconnected once even if this runs again after a failure.
    // Reverse order: the last client made may depend on the ones before it.
    for (const client of clients.splice(0).reverse()) await client.disconnect();
}

/** "Name: message", then each cause; the stack too when DEBUG is set. */
function describe(error: unknown): string {
    if (!(error instanceof Error)) return String(error);
    if (error instanceof ConfigError) return error.message;
    if (process.env.DEBUG) return error.stack ?? String(error);
    const cause = error.cause === undefined ? '' : `\n  caused by ${describe(error.cause)}`;
    return `${error.name}: ${error.message}${cause}`;
}

/**
 * Runs `body` until it returns or SIGINT/SIGTERM fires (`stop` is then aborted
 * and `body` should return soon), disconnects every registered client, and
 * exits 0. An error is logged and the process exits 1 (2 for a configuration
 * error). A second signal exits at once, for a broker that never answers.
 */
export function run(body: (stop: AbortSignal) => Promise<void>): void {
    const controller = new AbortController();
    const onSignal = (signal: NodeJS.Signals) => {
        if (controller.signal.aborted) {
            console.error(`${signal} again, exiting without a clean disconnect`);
            process.exit(1);
        }
        console.log(`${signal} received, disconnecting`);
        controller.abort();
    };
    process.on('SIGINT', onSignal);
    process.on('SIGTERM', onSignal);

    const fail = async (error: unknown) => {
        const config = error instanceof ConfigError;
        console.error(`error: ${describe(error)}`);
        await disconnectAll().catch(() => {});
        process.exit(config ? 2 : 1);
    };
    body(controller.signal)
        .then(disconnectAll)
        .then(() => process.exit(0), fail);
}
