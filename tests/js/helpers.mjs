// Starts and stops a real `fjord serve` process for the JavaScript tests, like
// tests/integration/conftest.py does for pytest: port 0, a port file, a temporary data
// directory, stderr to a log file that is printed when a test fails. Every wait is bounded.
// Each broker also serves HTTP (admin API, /metrics, console) on a free port: `broker.httpPort`,
// `broker.httpUrl`.
//
// Environment: FJORD_BIN (default <repo>/build/release/fjord); FJORD_REQUIRE_BINARY=1 makes a
// missing binary a failure instead of a skip.

import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, openSync, closeSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { connect } from 'node:net';

export const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
export const FJORD_BIN = process.env.FJORD_BIN ?? path.join(REPO, 'build', 'release', 'fjord');

/** A reason to skip broker tests, or false. Pass as the `skip` option of test(). */
export const skipReason =
    existsSync(FJORD_BIN) || process.env.FJORD_REQUIRE_BINARY === '1'
        ? false
        : `fjord binary not found at ${FJORD_BIN} (build it or set FJORD_BIN)`;

const START_TIMEOUT_MS = 20_000;
const STOP_TIMEOUT_MS = 20_000;

export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `predicate` (sync or async) until it returns a truthy value; throws at the deadline. */
export async function waitFor(predicate, timeoutMs, what) {
    const deadline = Date.now() + timeoutMs;
    let delay = 10;
    let lastError;
    while (Date.now() < deadline) {
        try {
            const value = await predicate();
            if (value) return value;
        } catch (e) {
            lastError = e;
        }
        await sleep(delay);
        delay = Math.min(delay * 2, 250);
    }
    throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}` +
        (lastError ? ` (last error: ${lastError.message ?? lastError})` : ''));
}

function readPort(file) {
    let text;
    try {
        text = readFileSync(file, 'utf8');
    } catch {
        return null;
    }
    const port = Number(text.trim());
    return Number.isInteger(port) && port > 0 && port < 65536 ? port : null;
}

function canConnect(port) {
    return new Promise((resolve) => {
        const socket = connect({ host: '127.0.0.1', port });
        const done = (ok) => {
            socket.destroy();
            resolve(ok);
        };
        socket.setTimeout(2000, () => done(false));
        socket.once('connect', () => done(true));
        socket.once('error', () => done(false));
    });
}

export class Broker {
    /** @param {{settings?: Record<string, string|number|boolean>, name?: string}} options */
    constructor({ settings = {}, name = 'broker' } = {}) {
        this.name = name;
        this.settings = settings;
        this.workDir = mkdtempSync(path.join(tmpdir(), 'fjord-js-'));
        this.dataDir = path.join(this.workDir, 'data');
        this.portFile = path.join(this.workDir, 'port');
        this.httpPortFile = path.join(this.workDir, 'http-port');
        this.logPath = path.join(this.workDir, 'broker.log');
        this.proc = null;
        this.exit = null; // resolves to {code, signal} when the process ends
        this.port = null;
        this.httpPort = null;
        this.starts = 0;
    }

    args() {
        const args = ['serve', '--listen', '127.0.0.1:0', '--data-dir', this.dataDir,
            '--port-file', this.portFile, '--http', '127.0.0.1:0', '--http-port-file', this.httpPortFile];
        if (process.env.FJORD_TEST_LOG_LEVEL) args.push('--log-level', process.env.FJORD_TEST_LOG_LEVEL);
        for (const [key, value] of Object.entries(this.settings)) args.push('--set', `${key}=${value}`);
        return args;
    }

    get bootstrap() {
        if (this.port === null) throw new Error(`${this.name} is not running`);
        return `127.0.0.1:${this.port}`;
    }

    /** Base URL of the broker's HTTP listener (admin API, /metrics, console), e.g. http://127.0.0.1:41234. */
    get httpUrl() {
        if (this.httpPort === null) throw new Error(`${this.name} is not running`);
        return `http://127.0.0.1:${this.httpPort}`;
    }

    isRunning() {
        return this.proc !== null && this.proc.exitCode === null && this.proc.signalCode === null;
    }

    async start(timeoutMs = START_TIMEOUT_MS) {
        if (this.isRunning()) throw new Error(`${this.name} is already running`);
        rmSync(this.portFile, { force: true });
        rmSync(this.httpPortFile, { force: true });
        this.port = null;
        this.httpPort = null;
        this.starts += 1;
        const log = openSync(this.logPath, 'a');
        writeSync(log, `\n===== js test: start #${this.starts}: ${FJORD_BIN} ${this.args().join(' ')}\n`);
        const proc = spawn(FJORD_BIN, this.args(), { cwd: this.workDir, stdio: ['ignore', log, log] });
        closeSync(log);
        this.proc = proc;
        this.exit = new Promise((resolve) => {
            proc.once('exit', (code, signal) => resolve({ code, signal }));
            proc.once('error', (error) => resolve({ code: null, signal: null, error }));
        });
        liveBrokers.add(this);

        const deadline = Date.now() + timeoutMs;
        let delay = 5;
        while (Date.now() < deadline) {
            if (!this.isRunning()) {
                const { code, signal, error } = await this.exit;
                throw new Error(`${this.name} exited (code ${code}, signal ${signal}${error ? `, ${error.message}` : ''}) ` +
                    `before writing its port file\n${this.logTail()}`);
            }
            const port = this.port ?? readPort(this.portFile);
            if (port !== null && this.port === null && (await canConnect(port))) this.port = port;
            const httpPort = this.httpPort ?? readPort(this.httpPortFile);
            if (httpPort !== null && this.httpPort === null && (await canConnect(httpPort))) this.httpPort = httpPort;
            if (this.port !== null && this.httpPort !== null) return this;
            await sleep(delay);
            delay = Math.min(delay * 2, 100);
        }
        await this.kill();
        throw new Error(`${this.name}: no ${this.port === null ? 'Kafka' : 'HTTP'} port file after ${timeoutMs} ms\n${this.logTail()}`);
    }

    /** SIGTERM, wait, and require exit code 0. */
    async stop(timeoutMs = STOP_TIMEOUT_MS) {
        if (!this.isRunning()) {
            const { code, signal } = this.exit ? await this.exit : { code: null, signal: null };
            throw new Error(`${this.name} had already exited (code ${code}, signal ${signal}) before stop()\n${this.logTail()}`);
        }
        this.proc.kill('SIGTERM');
        let timer;
        const expired = new Promise((resolve) => {
            timer = setTimeout(() => resolve(null), timeoutMs);
        });
        const result = await Promise.race([this.exit, expired]);
        clearTimeout(timer); // a pending timer would keep the test process alive
        liveBrokers.delete(this);
        if (result === null) {
            this.proc.kill('SIGKILL');
            await this.exit;
            throw new Error(`${this.name} still running ${timeoutMs} ms after SIGTERM\n${this.logTail()}`);
        }
        if (result.code !== 0) {
            throw new Error(`${this.name} exited with code ${result.code} (signal ${result.signal}) after SIGTERM\n${this.logTail()}`);
        }
    }

    /** SIGKILL and wait for the process to be gone. */
    async kill() {
        if (this.isRunning()) this.proc.kill('SIGKILL');
        if (this.exit) await this.exit;
        liveBrokers.delete(this);
    }

    logTail(lines = 150) {
        let text = '';
        try {
            text = readFileSync(this.logPath, 'utf8');
        } catch {
            /* no log yet */
        }
        const all = text.split('\n');
        return [`--- ${this.logPath} (last ${Math.min(lines, all.length)} of ${all.length} lines) ---`,
            ...all.slice(-lines)].join('\n');
    }

    cleanup() {
        rmSync(this.workDir, { recursive: true, force: true });
    }
}

const liveBrokers = new Set();
process.on('exit', () => {
    for (const b of liveBrokers) if (b.isRunning()) b.proc.kill('SIGKILL');
});

/**
 * Runs `fn(broker)` with a fresh broker. On failure the broker log is printed; the broker is
 * always stopped (a failed clean shutdown fails the test) and its directory removed on success.
 */
export async function withBroker(options, fn) {
    const broker = new Broker(options);
    let failed = true;
    try {
        await broker.start();
        await fn(broker);
        failed = false;
    } catch (e) {
        console.error(broker.logTail());
        throw e;
    } finally {
        if (broker.isRunning()) {
            try {
                await broker.stop();
            } catch (e) {
                if (!failed) {
                    failed = true;
                    console.error(e.message);
                    throw e;
                }
            }
        }
        if (!failed) broker.cleanup();
    }
}

/**
 * Runs a command to completion with a hard timeout (the whole process group is killed when it
 * expires). Resolves to {code, signal, stdout, stderr}; never rejects for a non-zero exit.
 */
export function run(cmd, args, { cwd, env, input, timeoutMs = 60_000 } = {}) {
    return new Promise((resolve, reject) => {
        const child = spawn(cmd, args, {
            cwd,
            env: { ...process.env, ...env },
            stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
            detached: true, // own process group, so a timeout also kills grandchildren (npm -> tsx -> node)
        });
        const out = [];
        const err = [];
        child.stdout.on('data', (d) => out.push(d));
        child.stderr.on('data', (d) => err.push(d));
        let timedOut = false;
        const timer = setTimeout(() => {
            timedOut = true;
            try {
                process.kill(-child.pid, 'SIGKILL');
            } catch {
                child.kill('SIGKILL');
            }
        }, timeoutMs);
        child.once('error', (e) => {
            clearTimeout(timer);
            reject(e);
        });
        child.once('close', (code, signal) => {
            clearTimeout(timer);
            const result = {
                code, signal,
                stdout: Buffer.concat(out).toString('utf8'),
                stderr: Buffer.concat(err).toString('utf8'),
            };
            if (timedOut) {
                reject(new Error(`${cmd} ${args.join(' ')} timed out after ${timeoutMs} ms\n` +
                    `stdout: ${result.stdout.slice(-3000)}\nstderr: ${result.stderr.slice(-3000)}`));
            } else {
                resolve(result);
            }
        });
        if (input !== undefined) child.stdin.end(input);
    });
}

/** Runs a command and throws unless it exits 0. */
export async function runOk(cmd, args, options) {
    const res = await run(cmd, args, options);
    if (res.code !== 0) {
        throw new Error(`${cmd} ${args.join(' ')} exited with ${res.code} (signal ${res.signal})\n` +
            `stdout: ${res.stdout.slice(-3000)}\nstderr: ${res.stderr.slice(-3000)}`);
    }
    return res;
}

/**
 * Every record of `topic` (optionally one partition) from the beginning to the end, read with
 * kcat (no consumer group needed). Returns [{partition, offset, key, value, headers, timestamp}]
 * in log order per partition; key and value are strings or null.
 */
export async function kcatConsume(bootstrap, topic, { partition, timeoutMs = 30_000 } = {}) {
    const args = ['-b', bootstrap, '-C', '-t', topic, '-o', 'beginning', '-e', '-q', '-J'];
    if (partition !== undefined) args.push('-p', String(partition));
    const { stdout } = await runOk('kcat', args, { timeoutMs });
    return stdout
        .split('\n')
        .filter((line) => line.trim() !== '')
        .map((line) => {
            const m = JSON.parse(line);
            return {
                partition: m.partition,
                offset: m.offset,
                key: m.key,
                value: m.payload,
                headers: m.headers ?? [],
                timestamp: m.ts,
            };
        });
}

/** Kafka's murmur2 (the Java client's and kafkajs's DefaultPartitioner hash), signed 32-bit. */
export function murmur2(data) {
    const buf = Buffer.isBuffer(data) ? data : Buffer.from(data);
    const m = 0x5bd1e995;
    const r = 24;
    const length = buf.length;
    let h = 0x9747b28c ^ length;
    const whole = length & ~3;
    for (let i = 0; i < whole; i += 4) {
        let k = buf[i] | (buf[i + 1] << 8) | (buf[i + 2] << 16) | (buf[i + 3] << 24);
        k = Math.imul(k, m);
        k ^= k >>> r;
        k = Math.imul(k, m);
        h = Math.imul(h, m);
        h ^= k;
    }
    switch (length & 3) {
        case 3:
            h ^= buf[whole + 2] << 16;
        // falls through
        case 2:
            h ^= buf[whole + 1] << 8;
        // falls through
        case 1:
            h ^= buf[whole];
            h = Math.imul(h, m);
    }
    h ^= h >>> 13;
    h = Math.imul(h, m);
    h ^= h >>> 15;
    return h | 0;
}

/** The partition kafkajs's DefaultPartitioner (and the Java client) picks for a key. */
export function javaPartition(key, partitions) {
    return (murmur2(key) & 0x7fffffff) % partitions;
}

/** Every error `type` in an error, its causes and aggregated errors (kafkajs nests them). */
export function errorTypes(error) {
    const types = new Set();
    const seen = new Set();
    const visit = (e) => {
        if (!e || typeof e !== 'object' || seen.has(e)) return;
        seen.add(e);
        if (e.type) types.add(e.type);
        visit(e.cause);
        visit(e.originalError);
        for (const inner of e.errors ?? []) visit(inner);
    };
    visit(error);
    return types;
}

/**
 * Starts a long-running command in its own process group and collects its stdout by lines.
 * Returns {child, lines, stderr(), waitForLine(predicate, timeoutMs, what), signal(sig) (to the whole
 * group), signalWhere(argsPredicate, sig) (to the members whose command line matches), exit}.
 * `exit` resolves to {code, signal} and never rejects. Call signal('SIGKILL') (or await a clean
 * exit) before the test ends; processes still running when node exits are killed.
 */
export function startProcess(cmd, args, { cwd, env } = {}) {
    const child = spawn(cmd, args, {
        cwd,
        env: { ...process.env, ...env },
        stdio: ['pipe', 'pipe', 'pipe'],
        detached: true,
    });
    const lines = [];
    const err = [];
    let partial = '';
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (chunk) => {
        partial += chunk;
        const parts = partial.split('\n');
        partial = parts.pop();
        lines.push(...parts);
    });
    child.stderr.on('data', (d) => err.push(d));
    child.stdin.on('error', () => {}); // a child that died before reading its input
    const exit = new Promise((resolve) => {
        child.once('close', (code, signal) => {
            if (partial) lines.push(partial);
            liveProcesses.delete(child);
            resolve({ code, signal });
        });
        child.once('error', (error) => resolve({ code: null, signal: null, error }));
    });
    liveProcesses.add(child);
    const signal = (sig) => {
        try {
            process.kill(-child.pid, sig);
        } catch {
            /* already gone */
        }
    };
    // One process of the group, chosen by its command line: for wrappers (npm, tsx) that relay
    // some signals and not others, so the program sees a signal exactly once.
    const signalWhere = (matches, sig) => {
        const ps = spawnSync('ps', ['-eo', 'pid=,pgid=,args='], { encoding: 'utf8' });
        const found = ps.stdout.split('\n')
            .map((l) => l.trim().match(/^(\d+)\s+(\d+)\s+(.*)$/))
            .filter((m) => m && Number(m[2]) === child.pid && matches(m[3]))
            .map((m) => Number(m[1]));
        for (const pid of found) process.kill(pid, sig);
        return found;
    };
    const stderr = () => Buffer.concat(err).toString('utf8');
    const waitForLine = async (predicate, timeoutMs, what) => {
        try {
            return await waitFor(() => lines.find(predicate), timeoutMs, what);
        } catch (e) {
            e.message += `\n${cmd} stdout (last 20 lines):\n${lines.slice(-20).join('\n')}\nstderr: ${stderr().slice(-3000)}`;
            throw e;
        }
    };
    return { child, lines, stderr, waitForLine, signal, signalWhere, exit };
}

const liveProcesses = new Set();
process.on('exit', () => {
    for (const child of liveProcesses) {
        try {
            process.kill(-child.pid, 'SIGKILL');
        } catch {
            /* gone */
        }
    }
});
