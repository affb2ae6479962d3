// HTTP probes from outside the cluster: from this process and from a Node child (the way they
// run inside a network namespace), classified the same way.
import * as http from "http";
import type { AddressInfo } from "net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { fromChildProcess, fromNetworkNamespace, fromThisMachine, HttpAction, HttpReply } from "../../live/outside-http";
import { classifyHttp } from "../../live/probes";

let server: http.Server;
let port: number;
beforeAll(async () => {
    server = http.createServer((request, response) => {
        let body = "";
        request.on("data", (chunk) => {
            body += chunk;
        });
        request.on("end", () => {
            const { sender } = body ? (JSON.parse(body) as { sender: string }) : { sender: "nobody" };
            response.writeHead(200, { "content-type": "text/plain" });
            response.end(`Hello ${sender} (direct)`);
        });
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise((resolve) => server.close(resolve)));

const call = (url: string): HttpAction => ({ kind: "http", url, body: { sender: "verify" }, expectBodyIncludes: "Hello verify (direct)" });
const classify = (action: HttpAction, reply: HttpReply) =>
    "response" in reply ? classifyHttp(action, reply.response) : classifyHttp(action, undefined, reply.error);

describe.each([
    ["this process", fromThisMachine],
    ["a Node child", fromChildProcess([])],
])("outside HTTP from %s", (_where, outsideHttp) => {
    it("posts the probe's body and classifies the answer as allowed", async () => {
        const action = call(`http://127.0.0.1:${port}/api/messages`);
        expect(classify(action, await outsideHttp(action, 60_000))).toEqual({ outcome: "allowed", detail: "HTTP 200 Hello verify (direct)" });
    });

    it("reports a refused connection with its code", async () => {
        const closed = http.createServer();
        await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
        const closedPort = (closed.address() as AddressInfo).port;
        await new Promise((resolve) => closed.close(resolve));
        const action = call(`http://127.0.0.1:${closedPort}/api/messages`);
        expect(classify(action, await outsideHttp(action, 60_000)).outcome).toBe("tcp-refused");
    });
});

describe("outside HTTP from a network namespace", () => {
    it("refuses a namespace that does not exist, before any probe", () => {
        expect(() => fromNetworkNamespace("lab-no-such-netns")).toThrow(/--from-netns lab-no-such-netns: no such network namespace/);
    });

    it("says when the child cannot start", async () => {
        const reply = await fromChildProcess(["/nonexistent/prefix"])(call("http://127.0.0.1:1/"), 1_000);
        expect(reply).toEqual({ error: { message: expect.stringMatching(/^\/nonexistent\/prefix: spawn \/nonexistent\/prefix ENOENT/) } });
    });
});
