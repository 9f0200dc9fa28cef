// A TCP proxy for fault tests, like tests/integration/tcp_proxy.py: clients connect to it (the
// broker advertises it through advertised.listeners), it forwards to the broker's current port,
// and a test can reset every connection at once or point it at a restarted broker.

import { createServer, connect } from 'node:net';

export class TcpProxy {
    constructor() {
        this.upstream = null; // port, or null to refuse connections
        this.pairs = new Set();
        this.connections = 0;
        this.drops = 0;
        this.server = createServer((client) => this.#accept(client));
    }

    /** Starts listening on 127.0.0.1 and an ephemeral port. */
    async listen() {
        await new Promise((resolve, reject) => {
            this.server.once('error', reject);
            this.server.listen(0, '127.0.0.1', resolve);
        });
        this.port = this.server.address().port;
        return this;
    }

    get address() {
        return `127.0.0.1:${this.port}`;
    }

    /** Resets every open connection, both sides (RST, as a lost path or crashed peer looks). */
    dropAll() {
        this.drops += 1;
        const pairs = [...this.pairs];
        this.pairs.clear();
        for (const [a, b] of pairs) {
            a.resetAndDestroy();
            b.resetAndDestroy();
        }
        return pairs.length;
    }

    async close() {
        this.dropAll();
        await new Promise((resolve) => this.server.close(resolve));
    }

    #accept(client) {
        if (this.upstream === null) {
            client.resetAndDestroy();
            return;
        }
        const server = connect({ host: '127.0.0.1', port: this.upstream });
        const pair = [client, server];
        this.pairs.add(pair);
        this.connections += 1;
        const end = () => {
            this.pairs.delete(pair);
            client.destroy();
            server.destroy();
        };
        for (const s of pair) {
            s.setNoDelay(true);
            s.on('error', end);
            s.on('close', end);
        }
        client.pipe(server);
        server.pipe(client);
    }
}
