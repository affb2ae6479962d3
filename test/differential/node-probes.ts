// The node's own side of the dataplane: probes made by this process, which runs on the cluster's
// only node (scripts/cluster/up.sh runs every component as a host process), so its packets are the
// node's (host egress, node -> pod), and the listener the world and the pods call on the node's
// address (host-terminated ingress). A packet the node's own OUTPUT chain drops fails the sender at
// once with EPERM instead of timing out: that is the host policy's drop, and counts as blocked.
import * as dns from "dns";
import * as http from "http";
import * as net from "net";
import type { Attempt, ProbeAction } from "../../live/types";

/** One attempt of a TCP connect or a DNS query over UDP, from `localAddress` (the node's address). */
export async function nodeAttempt(action: ProbeAction, localAddress: string, timeoutSeconds: number): Promise<Attempt> {
    const started = Date.now();
    const done = (outcome: Attempt["outcome"], detail: string): Attempt => ({ outcome, detail, elapsedMs: Date.now() - started });
    if (action.kind === "tcp") {
        return new Promise((resolve) => {
            const socket = net.connect({ host: action.address, port: action.port, localAddress });
            const timer = setTimeout(() => {
                socket.destroy();
                resolve(done("tcp-timeout", `no TCP connection within ${timeoutSeconds} s`));
            }, timeoutSeconds * 1000);
            socket.once("connect", () => {
                clearTimeout(timer);
                socket.destroy();
                resolve(done("allowed", "TCP connected"));
            });
            socket.once("error", (error: NodeJS.ErrnoException) => {
                clearTimeout(timer);
                if (error.code === "ECONNREFUSED") resolve(done("tcp-refused", "connection refused (no listener or REJECT)"));
                else if (error.code === "EPERM") resolve(done("tcp-timeout", "EPERM: the node's OUTPUT chain dropped the SYN"));
                else resolve(done("error", `connect failed: ${error.code ?? error.message}`));
            });
        });
    }
    if (action.kind === "dns-udp") {
        const resolver = new dns.promises.Resolver({ timeout: timeoutSeconds * 1000, tries: 1 });
        resolver.setServers([action.server]);
        resolver.setLocalAddress(localAddress);
        try {
            await resolver.resolve4(action.name);
            return done("allowed", "the resolver answered over UDP");
        } catch (error) {
            const code = (error as NodeJS.ErrnoException).code;
            // An answer saying the name does not exist is an answer: the datagram went and came back.
            if (code === "ENOTFOUND" || code === "ENODATA" || code === "ESERVFAIL" || code === "EREFUSED")
                return done("allowed", `the resolver answered over UDP (${code})`);
            if (code === "ETIMEOUT" || code === "ECONNREFUSED" || code === "EPERM") return done("dns-timeout", `no DNS answer over UDP (${code})`);
            return done("error", `DNS query failed: ${code ?? String(error)}`);
        }
    }
    return done("error", `${action.kind} probes are not made from the node`);
}

export interface NodeListener {
    /** The text every answer's body holds: `listen node/<name>`. */
    banner: string;
    close(): Promise<void>;
}

/**
 * HTTP listeners on `address`:`ports`, answering every request with a 200 whose body is the banner
 * (as the pods' `listen` does), for world -> node and pod -> node cells. Rejects when a port is taken.
 */
export async function startNodeListener(address: string, ports: readonly number[], nodeName: string): Promise<NodeListener> {
    const banner = `listen node/${nodeName}`;
    const servers: http.Server[] = [];
    const close = () => Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve())))).then(() => undefined);
    try {
        for (const port of ports) {
            const server = http.createServer((_request, response) => {
                response.writeHead(200, { "content-type": "text/plain", connection: "close" });
                response.end(`${banner}\n`);
            });
            await new Promise<void>((resolve, reject) => {
                server.once("error", (error) => reject(new Error(`the node's listener cannot listen on ${address}:${port}: ${error.message}`)));
                server.listen(port, address, () => resolve());
            });
            servers.push(server);
        }
    } catch (error) {
        await close();
        throw error;
    }
    return { banner, close };
}
