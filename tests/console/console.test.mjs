// Browser tests of the web console against a real broker: Debian's Chromium (never a
// downloaded browser) driven by playwright-core, a real kafkajs consumer for the lag test.
// Every page is saved as a full-page screenshot under build/screenshots/ (CI artifacts).
//
// Environment: FJORD_BIN as for tests/js; CHROMIUM (default /usr/bin/chromium).

import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { chromium } from 'playwright-core';
import { Broker, javaPartition, REPO, skipReason, waitFor } from '../js/helpers.mjs';

const CHROMIUM = process.env.CHROMIUM ?? '/usr/bin/chromium';
process.env.KAFKAJS_NO_PARTITIONER_WARNING = '1';
const SHOTS = path.join(REPO, 'build', 'screenshots');
const UI_TIMEOUT_MS = 15_000; // any single element or navigation
const LAG_TIMEOUT_MS = 45_000; // a consumer group joining, reading and committing
// Like a missing broker, a missing Chromium skips locally and fails under run-integration.sh.
const noChromium = existsSync(CHROMIUM) || process.env.FJORD_REQUIRE_BINARY === '1' ? false : `no Chromium at ${CHROMIUM} (apt-get install chromium)`;
const skip = skipReason || noChromium;

let broker;
let browser;
const started = Date.now();

before(async () => {
    if (skip) return;
    mkdirSync(SHOTS, { recursive: true });
    // A fresh set each run: no stale FAILED-* pictures from an earlier run.
    for (const f of readdirSync(SHOTS)) if (f.endsWith('.png')) rmSync(path.join(SHOTS, f));
    broker = new Broker({ name: 'console-broker' });
    await broker.start();
    if (broker.httpPort === null) throw new Error(`${broker.name} did not report an HTTP port (does the broker support --http?)`);
    await waitFor(async () => (await fetch(`${broker.httpUrl}/readyz`)).ok, 20_000, 'broker /readyz');
    browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
        timeout: 30_000,
    });
});

after(async () => {
    await browser?.close();
    if (broker?.isRunning()) await broker.stop();
    if (broker) broker.cleanup();
    console.log(`console tests: ${((Date.now() - started) / 1000).toFixed(1)} s, screenshots in ${path.relative(REPO, SHOTS)}/`);
});

/** The admin API, for setting up and checking what the UI did. */
async function apiCall(method, route, body) {
    const res = await fetch(`${broker.httpUrl}${route}`, {
        method,
        headers: body === undefined ? {} : { 'Content-Type': 'application/json' },
        body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
}

async function apiOk(method, route, body) {
    const res = await apiCall(method, route, body);
    if (res.status >= 300) throw new Error(`${method} ${route} -> ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
}

/**
 * Runs `fn(page)` in a fresh browser context. On failure: a screenshot named after the test,
 * the browser's console errors and the broker log are printed, then the error is rethrown.
 */
async function withPage(name, fn) {
    const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, locale: 'en-US' });
    const page = await context.newPage();
    page.setDefaultTimeout(UI_TIMEOUT_MS);
    page.setDefaultNavigationTimeout(UI_TIMEOUT_MS);
    const problems = [];
    page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
    page.on('console', (m) => {
        if (m.type() === 'error') problems.push(`console error: ${m.text()}`);
    });
    try {
        await fn(page);
        const uncaught = problems.filter((p) => p.startsWith('page error'));
        assert.deepEqual(uncaught, [], 'the console threw in the browser');
    } catch (e) {
        try {
            await page.screenshot({ path: path.join(SHOTS, `FAILED-${name}.png`), fullPage: true, timeout: 10_000 });
        } catch {
            /* the page may be gone */
        }
        console.error(`--- ${name} failed at ${page.url()}\n${problems.join('\n')}`);
        console.error(broker.logTail());
        throw e;
    } finally {
        await context.close();
    }
}

const shot = (page, name) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });
const byTestId = (page, id) => page.locator(`[data-testid="${id}"]`);
const text = async (locator) => ((await locator.textContent({ timeout: UI_TIMEOUT_MS })) ?? '').trim();

/** Waits until `locator`'s text satisfies `predicate` (or equals it, for a string). */
async function waitForText(locator, predicate, what, timeoutMs = UI_TIMEOUT_MS) {
    const ok = typeof predicate === 'string' ? (t) => t === predicate : predicate;
    let last;
    try {
        await waitFor(async () => {
            last = ((await locator.first().textContent({ timeout: 1000 })) ?? '').trim();
            return ok(last);
        }, timeoutMs, what);
    } catch (e) {
        e.message += ` (last text: ${JSON.stringify(last)})`;
        throw e;
    }
    return last;
}

async function openPage(page, route, pageId) {
    await page.goto(`${broker.httpUrl}${route}`);
    await byTestId(page, `page-${pageId}`).waitFor();
    // Wait for the first load to finish: no spinner left on the page.
    await waitFor(async () => (await byTestId(page, 'loading').count()) === 0, UI_TIMEOUT_MS, `${route} to finish loading`);
}

const TOPIC = 'console-orders';
const LAG_TOPIC = 'console-lag';
const GROUP = 'console-billing';
const LAG_RECORDS = 24;
const jsonValue = { order_id: 42, amount: 9.99, items: ['tea', 'scone'], paid: true };
// The JSON record (key user-1) lands where the Java partitioner puts it; the text records go
// to another partition so their offsets start at 0.
const TEXT_PARTITION = (javaPartition('user-1', 3) + 1) % 3;

test('create a topic through the create dialog', { skip }, async () => {
    await withPage('create-topic', async (page) => {
        await openPage(page, '/topics', 'topics');
        await byTestId(page, 'create-topic-button').click();
        const dialog = byTestId(page, 'create-topic-dialog');
        await dialog.waitFor();
        await byTestId(page, 'topic-name-input').fill(TOPIC);
        await byTestId(page, 'topic-partitions-input').fill('3');
        await byTestId(page, 'add-config-row').click();
        await byTestId(page, 'config-name-input').fill('retention.ms');
        await byTestId(page, 'config-value-input').fill('3600000');
        await shot(page, 'topic-create-dialog');
        await byTestId(page, 'create-topic-submit').click();

        // Creating lands on the new topic's page.
        await page.waitForURL(`**/topics/${TOPIC}`);
        await waitForText(byTestId(page, 'topic-title'), TOPIC, 'the topic page title');
        await waitForText(byTestId(page, 'topic-stat-partitions').locator('.stat-value'), '3', 'three partitions');

        const topic = await apiOk('GET', `/api/v1/topics/${TOPIC}`);
        assert.equal(topic.partition_count, 3);
        const retention = topic.configs.find((c) => c.name === 'retention.ms');
        assert.equal(retention?.value, '3600000');
        assert.equal(retention?.source, 'topic');

        // Creating it again shows the API's own error in the dialog.
        await openPage(page, '/topics', 'topics');
        await byTestId(page, 'create-topic-button').click();
        await byTestId(page, 'topic-name-input').fill(TOPIC);
        await byTestId(page, 'create-topic-submit').click();
        const message = await waitForText(byTestId(page, 'error-banner-message'), (t) => t.length > 0, 'an error banner');
        assert.match(message, /TOPIC_ALREADY_EXISTS/);
        await shot(page, 'topic-create-error');
    });
});

test('produce a message from the form and read it in the message browser', { skip }, async () => {
    await withPage('produce', async (page) => {
        await openPage(page, `/produce?topic=${TOPIC}`, 'produce');
        assert.equal(await byTestId(page, 'produce-topic').inputValue(), TOPIC);
        await byTestId(page, 'produce-key').fill('user-1');
        await byTestId(page, 'produce-value').fill(JSON.stringify(jsonValue));
        await waitForText(byTestId(page, 'produce-value-state'), 'valid JSON', 'the JSON indicator');
        await byTestId(page, 'add-header').click();
        await byTestId(page, 'header-key').fill('trace');
        await byTestId(page, 'header-value').fill('abc-123');
        await byTestId(page, 'produce-submit').click();

        await byTestId(page, 'produce-result').waitFor();
        const partition = Number(await text(byTestId(page, 'produce-result-partition')));
        const offset = Number((await text(byTestId(page, 'produce-result-offset'))).replace(/,/g, ''));
        assert.ok(partition >= 0 && partition < 3, `partition ${partition}`);
        assert.equal(offset, 0);
        await shot(page, 'produce');

        // The broker has it, as produced.
        const page0 = await apiOk('GET', `/api/v1/topics/${TOPIC}/messages?partition=${partition}&from=beginning`);
        assert.equal(page0.messages.length, 1);
        assert.equal(page0.messages[0].key, 'user-1');
        assert.deepEqual(JSON.parse(page0.messages[0].value), jsonValue);
        assert.deepEqual(page0.messages[0].headers.map((h) => [h.key, h.value]), [['trace', 'abc-123']]);

        // The result links to the record in the browser, already expanded.
        await byTestId(page, 'produce-result-link').click();
        await page.waitForURL((url) => url.pathname === `/topics/${TOPIC}` && url.searchParams.get('offset') === String(offset));
        const row = page.locator(`[data-testid="message-row"][data-partition="${partition}"][data-offset="${offset}"]`);
        await row.waitFor();
        assert.equal(await text(row.locator('[data-testid="message-key"]')), 'user-1');
        assert.equal(await text(row.locator('[data-testid="message-value-preview"]')), JSON.stringify(jsonValue));
        const detail = byTestId(page, 'message-detail');
        await detail.waitFor();
        assert.equal(await text(byTestId(page, 'detail-value-kind')), 'JSON');
        // Pretty-printed: the value's own JSON, indented by two spaces.
        assert.equal(await byTestId(page, 'detail-value-content').innerText(), JSON.stringify(jsonValue, null, 2));
        const headers = await byTestId(page, 'detail-headers').innerText();
        assert.match(headers, /trace\s+abc-123/);
        await shot(page, 'topic-message-json');

        // Hex view of the same bytes.
        await byTestId(page, 'detail-value-hex').click();
        const dump = await byTestId(page, 'detail-value-hexdump').innerText();
        const firstBytes = Buffer.from(JSON.stringify(jsonValue)).subarray(0, 8);
        const expectedHex = [...firstBytes].map((b) => b.toString(16).padStart(2, '0')).join(' ');
        assert.ok(dump.startsWith(`00000000  ${expectedHex}`), `hex dump starts with the value's bytes:\n${dump}`);
        assert.match(dump, /\|\{"order_id":42,"\|/);
        await shot(page, 'topic-message-hex');
        await byTestId(page, 'detail-value-pretty').click();
        assert.equal(await byTestId(page, 'detail-value-content').innerText(), JSON.stringify(jsonValue, null, 2));
    });
});

test('the message browser shows text values, jumps to an offset or a time, and tails live', { skip }, async () => {
    // Ten text records, offsets 0..9 of their partition.
    for (let i = 0; i < 10; i++) {
        await apiOk('POST', `/api/v1/topics/${TOPIC}/messages`, { partition: TEXT_PARTITION, key: `k${i}`, value: `plain text ${i}` });
    }
    await withPage('browser', async (page) => {
        await openPage(page, `/topics/${TOPIC}`, 'topic');
        await byTestId(page, 'messages-table').waitFor();
        await waitFor(async () => (await byTestId(page, 'message-row').count()) === 11, UI_TIMEOUT_MS, '11 rows (newest first)');
        // Newest first: the last text record leads.
        assert.equal(await text(byTestId(page, 'message-value-preview').first()), 'plain text 9');

        // Jump to offset 6 of that partition: offsets 6..9, ascending.
        await byTestId(page, 'browser-partition').selectOption(String(TEXT_PARTITION));
        await byTestId(page, 'browser-start').selectOption('offset');
        await byTestId(page, 'browser-offset').fill('6');
        await byTestId(page, 'browser-load').click();
        await page.waitForURL((url) => url.searchParams.get('offset') === '6' && url.searchParams.get('partition') === String(TEXT_PARTITION));
        await waitFor(async () => (await byTestId(page, 'message-row').count()) === 4, UI_TIMEOUT_MS, 'offsets 6..9');
        const offsets = await byTestId(page, 'message-offset').allInnerTexts();
        assert.deepEqual(offsets.map(Number), [6, 7, 8, 9]);
        await shot(page, 'topic-jump-to-offset');

        // A text value reads as text.
        await byTestId(page, 'message-row').first().click();
        assert.equal(await text(byTestId(page, 'detail-value-kind')), 'Text');
        assert.equal(await byTestId(page, 'detail-value-content').innerText(), 'plain text 6');

        // The URL is the view: reloading it shows the same rows.
        await page.reload();
        await waitFor(async () => (await byTestId(page, 'message-row').count()) === 4, UI_TIMEOUT_MS, 'the same rows after a reload');

        // Start from a time: an hour from now has nothing yet; an hour ago has everything.
        await byTestId(page, 'browser-start').selectOption('timestamp');
        const local = (ms) => {
            const d = new Date(ms);
            const p = (n) => String(n).padStart(2, '0');
            return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())}T${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
        };
        await byTestId(page, 'browser-timestamp').fill(local(Date.now() + 3_600_000));
        await byTestId(page, 'browser-load').click();
        await byTestId(page, 'messages-empty').waitFor();
        await byTestId(page, 'browser-timestamp').fill(local(Date.now() - 3_600_000));
        await byTestId(page, 'browser-load').click();
        await waitFor(async () => (await byTestId(page, 'message-row').count()) === 10, UI_TIMEOUT_MS, 'all ten text records');

        // Live tail: a record produced now shows up without reloading.
        await byTestId(page, 'browser-start').selectOption('newest');
        await byTestId(page, 'browser-load').click();
        await waitFor(async () => (await byTestId(page, 'message-row').count()) === 10, UI_TIMEOUT_MS, 'the newest records');
        await byTestId(page, 'live-tail').click();
        await apiOk('POST', `/api/v1/topics/${TOPIC}/messages`, { partition: TEXT_PARTITION, key: 'tail', value: '{"live": true}' });
        const tailRow = page.locator(`[data-testid="message-row"][data-partition="${TEXT_PARTITION}"][data-offset="10"]`);
        await tailRow.waitFor({ timeout: 10_000 });
        assert.equal(await text(tailRow.locator('[data-testid="message-key"]')), 'tail');
        await byTestId(page, 'live-tail').click();
    });
});

test('configs can be edited and partitions added', { skip }, async () => {
    await withPage('configs', async (page) => {
        await openPage(page, `/topics/${TOPIC}?tab=configs`, 'topic');
        const row = page.locator('[data-testid="config-row"][data-config="retention.ms"]');
        await row.waitFor();
        await row.locator('[data-testid="config-edit"]').click();
        await byTestId(page, 'config-edit-input').fill('7200000');
        await byTestId(page, 'config-save').click();
        await waitForText(row.locator('[data-testid="config-value"]'), '7200000', 'the edited value');
        const topic = await apiOk('GET', `/api/v1/topics/${TOPIC}`);
        assert.equal(topic.configs.find((c) => c.name === 'retention.ms')?.value, '7200000');

        // A bad value shows the API's error.
        await row.locator('[data-testid="config-edit"]').click();
        await byTestId(page, 'config-edit-input').fill('not-a-number');
        await byTestId(page, 'config-save').click();
        await waitForText(byTestId(page, 'error-banner-message'), (t) => /INVALID_CONFIG/.test(t), 'the INVALID_CONFIG error');

        await byTestId(page, 'add-partitions-button').click();
        await byTestId(page, 'partition-count-input').fill('4');
        await byTestId(page, 'add-partitions-submit').click();
        await waitForText(byTestId(page, 'topic-stat-partitions').locator('.stat-value'), '4', 'four partitions');
        assert.equal((await apiOk('GET', `/api/v1/topics/${TOPIC}`)).partition_count, 4);
    });
});

test("a consumer group's lag drops to zero as a real consumer reads, and comes back after a reset", { skip }, async () => {
    await apiOk('POST', '/api/v1/topics', { name: LAG_TOPIC, partitions: 2 });
    for (let i = 0; i < LAG_RECORDS; i++) {
        await apiOk('POST', `/api/v1/topics/${LAG_TOPIC}/messages`, { partition: i % 2, key: `order-${i}`, value: JSON.stringify({ n: i }) });
    }

    const kafka = new Kafka({ clientId: 'console-test', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 5 } });
    const consumer = kafka.consumer({ groupId: GROUP, sessionTimeout: 30_000, heartbeatInterval: 1000, rebalanceTimeout: 30_000 });
    // The consumer holds its first record until the page has shown the full lag.
    let release;
    const gate = new Promise((resolve) => {
        release = resolve;
    });
    let consumed = 0;
    let running = false;
    try {
        await withPage('group-lag', async (page) => {
            await consumer.connect();
            await consumer.subscribe({ topic: LAG_TOPIC, fromBeginning: true });
            await consumer.run({
                eachMessage: async () => {
                    await gate;
                    consumed += 1;
                },
            });
            running = true;

            await page.goto(`${broker.httpUrl}/groups/${GROUP}`);
            // Joined and assigned, nothing committed: every record counts as lag.
            await waitForText(byTestId(page, 'group-members-count').locator('.stat-value'), '1', 'one member', LAG_TIMEOUT_MS);
            await waitForText(byTestId(page, 'group-total-lag'), String(LAG_RECORDS), `total lag ${LAG_RECORDS}`, LAG_TIMEOUT_MS);
            await waitForText(byTestId(page, 'group-state'), 'Stable', 'a stable group');
            await shot(page, 'group-lagging');

            release();
            await waitForText(byTestId(page, 'group-total-lag'), '0', 'total lag 0', LAG_TIMEOUT_MS);
            assert.equal(consumed, LAG_RECORDS);
            const lags = await byTestId(page, 'offset-lag').allInnerTexts();
            assert.deepEqual(lags, ['0', '0']);
            const committed = (await byTestId(page, 'offset-committed').allInnerTexts()).map((t) => Number(t.replace(/,/g, '')));
            assert.equal(committed.reduce((a, b) => a + b, 0), LAG_RECORDS);
            await shot(page, 'group');

            // The group list shows it too.
            await openPage(page, '/groups', 'groups');
            const row = page.locator(`[data-testid="group-row"][data-group="${GROUP}"]`);
            await row.waitFor();
            await waitForText(row.locator('[data-testid="group-lag"]'), '0', 'lag 0 in the list');
            await shot(page, 'groups-consumed');

            // Resetting needs an empty group: stop the consumer, then reset from the dialog.
            await consumer.disconnect();
            running = false;
            await page.goto(`${broker.httpUrl}/groups/${GROUP}`);
            await waitForText(byTestId(page, 'group-members-count').locator('.stat-value'), '0', 'no members after the consumer left', LAG_TIMEOUT_MS);
            await byTestId(page, 'reset-offsets-button').click();
            await byTestId(page, 'reset-dialog').waitFor();
            assert.equal(await byTestId(page, 'reset-topic').inputValue(), LAG_TOPIC);
            await byTestId(page, 'reset-to-earliest').check();
            await shot(page, 'group-reset-dialog');
            await byTestId(page, 'reset-submit').click();
            await byTestId(page, 'reset-result').waitFor();
            await byTestId(page, 'reset-done').click();
            await waitForText(byTestId(page, 'group-total-lag'), String(LAG_RECORDS), `total lag ${LAG_RECORDS} after the reset`, LAG_TIMEOUT_MS);
            await shot(page, 'group-after-reset');
        });
    } finally {
        release();
        if (running) await consumer.disconnect().catch(() => {});
    }

    const group = await apiOk('GET', `/api/v1/groups/${GROUP}`);
    assert.equal(group.total_lag, LAG_RECORDS);
    assert.ok(group.offsets.every((o) => o.committed_offset === 0));
});

/** Produces small batches with kafkajs for about `ms` milliseconds (bounded: 40 sends). */
async function produceFor(ms) {
    const kafka = new Kafka({ clientId: 'console-traffic', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const producer = kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
        const end = Date.now() + ms;
        for (let i = 0; i < 40 && Date.now() < end; i++) {
            const messages = Array.from({ length: 1 + (i % 5) * 3 }, (_, j) => ({ key: `k${j}`, value: JSON.stringify({ batch: i, j, pad: 'x'.repeat(200) }) }));
            await producer.send({ topic: LAG_TOPIC, messages });
            await new Promise((resolve) => setTimeout(resolve, Math.max(0, Math.min(ms / 20, end - Date.now()))));
        }
    } finally {
        await producer.disconnect();
    }
}

test('every route loads directly by URL', { skip }, async () => {
    const routes = [
        { route: '/', id: 'overview', shot: 'overview', title: 'Overview' },
        { route: '/topics', id: 'topics', shot: 'topics', title: 'Topics' },
        { route: `/topics/${TOPIC}`, id: 'topic', shot: 'topic-messages', title: TOPIC },
        { route: `/topics/${TOPIC}?tab=partitions`, id: 'topic', shot: 'topic-partitions', title: TOPIC },
        { route: `/topics/${TOPIC}?tab=configs`, id: 'topic', shot: 'topic-configs', title: TOPIC },
        { route: '/groups', id: 'groups', shot: 'groups', title: 'Consumer groups' },
        { route: `/groups/${GROUP}`, id: 'group', shot: 'group-page', title: GROUP },
        { route: '/produce', id: 'produce', shot: 'produce-form', title: 'Produce' },
        { route: '/topics/no-such-topic', id: 'topic', shot: 'topic-not-found', title: 'no-such-topic' },
        { route: '/no/such/page', id: 'not-found', shot: 'not-found', title: 'Page not found' },
    ];
    await withPage('deep-links', async (page) => {
        for (const r of routes) {
            await openPage(page, r.route, r.id);
            const title = r.id === 'not-found' ? page.locator('.empty-title') : byTestId(page, 'page-title');
            await waitForText(title, r.title, `the title of ${r.route}`);
            // The header knows the cluster on every page.
            await waitForText(byTestId(page, 'connection-status'), 'Connected', `the connection status on ${r.route}`);
            if (r.route === '/') {
                // Real Kafka traffic while the overview samples, so its charts have lines.
                await byTestId(page, 'brokers-table').waitFor();
                await produceFor(8000);
                assert.ok(Number((await text(byTestId(page, 'stat-topics').locator('.stat-value'))).replace(/,/g, '')) >= 2);
            }
            if (r.id === 'topic' && r.route.includes('?tab=partitions')) await byTestId(page, 'partitions-table').waitFor();
            if (r.id === 'topic' && r.route.includes('?tab=configs')) await byTestId(page, 'configs-table').waitFor();
            if (r.route === `/topics/${TOPIC}`) await byTestId(page, 'messages-table').waitFor();
            if (r.route === '/topics/no-such-topic') await byTestId(page, 'topic-not-found').waitFor();
            await shot(page, r.shot);
        }
        // The sidebar navigates without a page load.
        await openPage(page, '/', 'overview');
        await byTestId(page, 'nav-topics').click();
        await byTestId(page, 'page-topics').waitFor();
        assert.equal(new URL(page.url()).pathname, '/topics');
        await page.goBack();
        await byTestId(page, 'page-overview').waitFor();
    });
});

test('a topic is deleted only after its name is typed', { skip }, async () => {
    const doomed = 'console-doomed';
    await apiOk('POST', '/api/v1/topics', { name: doomed, partitions: 1 });
    await withPage('delete-topic', async (page) => {
        await openPage(page, '/topics', 'topics');
        await byTestId(page, 'topic-search').fill('doomed');
        await waitFor(async () => (await byTestId(page, 'topic-row').count()) === 1, UI_TIMEOUT_MS, 'the search to leave one row');
        const row = page.locator(`[data-testid="topic-row"][data-topic="${doomed}"]`);
        await row.locator('[data-testid="delete-topic"]').click();
        await byTestId(page, 'confirm-dialog').waitFor();
        await byTestId(page, 'confirm-input').fill('console-doom');
        assert.equal(await byTestId(page, 'confirm-submit').isDisabled(), true, 'a wrong name keeps the button disabled');
        await byTestId(page, 'confirm-input').fill(doomed);
        await shot(page, 'topic-delete-confirm');
        await byTestId(page, 'confirm-submit').click();
        await byTestId(page, 'confirm-dialog').waitFor({ state: 'detached' });
        await row.waitFor({ state: 'detached' });
        assert.equal((await apiCall('GET', `/api/v1/topics/${doomed}`)).status, 404);
        // The other topics are still listed.
        await byTestId(page, 'topic-search').fill('');
        await page.locator(`[data-testid="topic-row"][data-topic="${TOPIC}"]`).waitFor();
    });
});

test('an empty consumer group is deleted after confirmation', { skip }, async () => {
    await withPage('delete-group', async (page) => {
        await openPage(page, `/groups/${GROUP}`, 'group');
        await waitForText(byTestId(page, 'group-state'), 'Empty', 'an empty group');
        await byTestId(page, 'group-delete').click();
        await byTestId(page, 'confirm-dialog').waitFor();
        await byTestId(page, 'confirm-input').fill(GROUP);
        await shot(page, 'group-delete-confirm');
        await byTestId(page, 'confirm-submit').click();
        await page.waitForURL((url) => url.pathname === '/groups');
        await byTestId(page, 'page-groups').waitFor();
        assert.equal((await apiCall('GET', `/api/v1/groups/${GROUP}`)).status, 404);
        await waitFor(async () => (await page.locator(`[data-testid="group-row"][data-group="${GROUP}"]`).count()) === 0, UI_TIMEOUT_MS, 'the group to leave the list');
    });
});
