// The dynamic providers of attached clusters, run for real: the Calico API gate against a small
// API server on loopback that answers like one whose Calico API server is starting, and the
// calicoctl documents against a stub calicoctl that records its arguments, environment, stdin
// and the kubeconfig it was given.
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as http from "http";
import * as path from "path";
import type { AddressInfo } from "net";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { parse } from "yaml";
// eslint-disable-next-line @typescript-eslint/no-require-imports
const requireFromString = require("require-from-string") as (code: string) => unknown;
import { calicoApiGateProvider, CalicoApiGateInputs, waitForCalicoApi } from "../../components/cluster/calico-api-gate";
import { calicoctlDocumentProvider, CalicoctlDocumentInputs } from "../../components/cluster/calicoctl-document";
import { temporaryDirectory } from "../helpers/temporary";
import { stubTools } from "./harness";

const APISERVICE = "/apis/apiregistration.k8s.io/v1/apiservices/v3.projectcalico.org";
const GNP_LIST = "/apis/projectcalico.org/v3/globalnetworkpolicies";

/** Answers `replies[path]` in turn (the last one repeats), recording each request path. */
async function fakeApi(replies: Record<string, { status: number; body?: object }[]>) {
    const seen: string[] = [];
    const server = http.createServer((request, response) => {
        const url = new URL(request.url ?? "/", "http://x");
        seen.push(url.pathname);
        const queue = replies[url.pathname] ?? [{ status: 404 }];
        const reply = queue.length > 1 ? queue.shift()! : queue[0];
        response.writeHead(reply.status, { "content-type": "application/json" });
        response.end(JSON.stringify(reply.body ?? { kind: "Status", code: reply.status }));
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    return { port: (server.address() as AddressInfo).port, seen, close: () => new Promise((resolve) => server.close(resolve)) };
}

/** A kubeconfig with two contexts; `lab` points at the fake API, `other` carries a client key. */
function writeKubeconfig(port: number): string {
    const file = path.join(temporaryDirectory("kubeconfig"), "config");
    fs.writeFileSync(
        file,
        [
            "apiVersion: v1",
            "kind: Config",
            "current-context: other",
            "clusters:",
            `- {name: lab, cluster: {server: 'http://127.0.0.1:${port}', insecure-skip-tls-verify: true}}`,
            "- {name: other, cluster: {server: 'https://10.0.0.1:6443'}}",
            "users:",
            "- {name: lab, user: {token: lab-token}}",
            "- {name: other, user: {client-key-data: T1RIRVIK}}",
            "contexts:",
            "- {name: lab, context: {cluster: lab, user: lab}}",
            "- {name: other, context: {cluster: other, user: other}}",
        ].join("\n"),
    );
    return file;
}

const apiService = (available: string, reason = "Passed") => ({
    status: 200,
    body: {
        apiVersion: "apiregistration.k8s.io/v1",
        kind: "APIService",
        metadata: { name: "v3.projectcalico.org" },
        status: { conditions: [{ type: "Available", status: available, reason }] },
    },
});
const emptyList = { status: 200, body: { apiVersion: "projectcalico.org/v3", kind: "GlobalNetworkPolicyList", items: [] } };

let previousKubeconfig: string | undefined;
beforeEach(() => {
    previousKubeconfig = process.env.KUBECONFIG;
});
afterEach(() => {
    if (previousKubeconfig === undefined) delete process.env.KUBECONFIG;
    else process.env.KUBECONFIG = previousKubeconfig;
});

describe("the Calico API gate (dynamic provider)", () => {
    it("waits through a missing, then unavailable APIService and an unanswered list, then succeeds", async () => {
        const api = await fakeApi({
            [APISERVICE]: [{ status: 404 }, apiService("False", "MissingEndpoints"), apiService("True")],
            [GNP_LIST]: [{ status: 503 }, emptyList],
        });
        process.env.KUBECONFIG = writeKubeconfig(api.port);
        try {
            const inputs: CalicoApiGateInputs = { context: "lab", timeoutSeconds: 20, pollSeconds: 0.05 };
            const result = await calicoApiGateProvider.create!(inputs);
            expect(result.id).toBe("calico-api-ready:lab");
            expect(result.outs).toEqual(inputs);
            expect(api.seen.filter((p) => p === APISERVICE)).toHaveLength(4);
            expect(api.seen.filter((p) => p === GNP_LIST)).toHaveLength(2);
        } finally {
            await api.close();
        }
    });

    it("gives up after its timeout with a message naming the context, its server and what is missing", async () => {
        const api = await fakeApi({ [APISERVICE]: [apiService("False", "MissingEndpoints")] });
        process.env.KUBECONFIG = writeKubeconfig(api.port);
        try {
            // A poll longer than the timeout: it gives up right after the first answer, which has the
            // whole timeout to come (a short timeout would also cut a slow answer short).
            await expect(waitForCalicoApi({ context: "lab", timeoutSeconds: 30, pollSeconds: 60 })).rejects.toThrow(
                new RegExp(
                    `context "lab" \\(server http://127.0.0.1:${api.port}\\) was not ready within 30 s: APIService v3.projectcalico.org is not Available \\(MissingEndpoints\\)`,
                ),
            );
        } finally {
            await api.close();
        }
    });

    it("refuses a context the kubeconfig does not have, listing those it has", async () => {
        process.env.KUBECONFIG = writeKubeconfig(1);
        await expect(waitForCalicoApi({ context: "nope", timeoutSeconds: 1, pollSeconds: 0.1 })).rejects.toThrow(
            /has no context "nope" \(contexts: lab, other\)/,
        );
    });

    it("is replaced (waits again) only when the context changes", async () => {
        const base = { context: "lab", timeoutSeconds: 600, pollSeconds: 2 };
        expect(await calicoApiGateProvider.diff!("id", base, { ...base, timeoutSeconds: 60 })).toEqual({ changes: false, replaces: [] });
        expect(await calicoApiGateProvider.diff!("id", base, { ...base, context: "other" })).toEqual({ changes: true, replaces: ["context"] });
    });
});

describe("calicoctl documents (dynamic provider)", () => {
    const policy = (name: string, order: number) =>
        ["apiVersion: projectcalico.org/v3", "kind: GlobalNetworkPolicy", `metadata: {name: ${name}}`, `spec: {order: ${order}, selector: all()}`, ""].join(
            "\n",
        );
    // The stub copies the kubeconfig it was given, and records its mode and the datastore type.
    const calicoctlStub = (exit = 0) =>
        [
            'cp "$KUBECONFIG" "$(dirname "$0")/kubeconfig.seen"',
            'stat -c %a "$KUBECONFIG" > "$(dirname "$0")/kubeconfig.mode"',
            'echo "$KUBECONFIG" > "$(dirname "$0")/kubeconfig.path"',
            'echo "$DATASTORE_TYPE" > "$(dirname "$0")/datastore"',
            exit === 0 ? "exit 0" : `echo "resource does not validate" >&2; exit ${exit}`,
        ].join("\n");
    let previousPath: string | undefined;
    beforeEach(() => {
        previousPath = process.env.PATH;
    });
    afterEach(() => {
        process.env.PATH = previousPath;
    });

    function withStub(exit = 0) {
        const { dir, log } = stubTools(["calicoctl"], { calicoctl: calicoctlStub(exit) });
        process.env.PATH = `${dir}:${previousPath}`;
        process.env.KUBECONFIG = writeKubeconfig(6443);
        const file = (name: string) => fs.readFileSync(path.join(dir, name), "utf8");
        return { calls: () => fs.readFileSync(log, "utf8").trim().split("\n"), file };
    }

    it("applies on create and update, deletes with the applied document, each on stdin against the Kubernetes datastore with a private one-context kubeconfig", async () => {
        const stub = withStub();
        const inputs: CalicoctlDocumentInputs = { context: "lab", document: policy("lab-default-deny", 100), timeoutSeconds: 10 };
        const created = await calicoctlDocumentProvider.create!(inputs);
        expect(created.id).toBe("GlobalNetworkPolicy/lab-default-deny");
        expect(stub.file("calicoctl.stdin")).toBe(inputs.document);
        expect(stub.file("datastore").trim()).toBe("kubernetes");
        expect(stub.file("kubeconfig.mode").trim()).toBe("600");
        const seen = parse(stub.file("kubeconfig.seen"));
        expect(seen["current-context"]).toBe("lab");
        expect(seen.contexts.map((c: { name: string }) => c.name)).toEqual(["lab"]);
        expect(JSON.stringify(seen)).not.toContain("T1RIRVIK");
        expect(fs.existsSync(stub.file("kubeconfig.path").trim())).toBe(false);

        const updated = { ...inputs, document: policy("lab-default-deny", 200) };
        await calicoctlDocumentProvider.update!(created.id, inputs, updated);
        expect(stub.file("calicoctl.stdin")).toBe(updated.document);
        await calicoctlDocumentProvider.delete!(created.id, updated);
        expect(stub.file("calicoctl.stdin")).toBe(updated.document);
        expect(stub.calls()).toEqual(["calicoctl apply -f -", "calicoctl apply -f -", "calicoctl delete --skip-not-exists -f -"]);
    });

    it("diffs like a user expects: same object updates in place, another name or context replaces, nothing changed is no change", async () => {
        const base: CalicoctlDocumentInputs = { context: "lab", document: policy("a", 100), timeoutSeconds: 120 };
        const diff = (news: CalicoctlDocumentInputs) => calicoctlDocumentProvider.diff!("GlobalNetworkPolicy/a", base, news);
        expect(await diff({ ...base })).toEqual({ changes: false, replaces: [] });
        expect(await diff({ ...base, timeoutSeconds: 30 })).toEqual({ changes: false, replaces: [] });
        expect(await diff({ ...base, document: policy("a", 200) })).toEqual({ changes: true, replaces: [] });
        expect(await diff({ ...base, document: policy("b", 100) })).toEqual({ changes: true, replaces: ["document"] });
        expect(await diff({ ...base, context: "other" })).toEqual({ changes: true, replaces: ["context"] });
    });

    it("fails with calicoctl's message, the object and the context", async () => {
        withStub(1);
        await expect(calicoctlDocumentProvider.create!({ context: "lab", document: policy("x", 1), timeoutSeconds: 10 })).rejects.toThrow(
            /calicoctl apply -f - \(GlobalNetworkPolicy\/x, context "lab" \(server http:\/\/127.0.0.1:6443\)\) failed \(exit 1\): resource does not validate/,
        );
    });

    it("says when calicoctl is not installed", async () => {
        process.env.KUBECONFIG = writeKubeconfig(6443);
        process.env.PATH = temporaryDirectory("empty-path");
        await expect(calicoctlDocumentProvider.create!({ context: "lab", document: policy("x", 1), timeoutSeconds: 10 })).rejects.toThrow(
            /calicoctl is not on PATH/,
        );
    });
});

describe("the providers as `pulumi up` stores them", () => {
    // What the engine keeps in state (__provider) and the dynamic-provider host later runs:
    // requireFromString(text).handler(). Serialized outside Vitest (see serialize-providers.ts).
    const serialized = (() => {
        let texts: { gate: string; calicoctl: string } | undefined;
        return () => {
            if (!texts) {
                const result = spawnSync(process.execPath, [require.resolve("tsx/cli"), path.join(__dirname, "serialize-providers.ts")], {
                    encoding: "utf8",
                    timeout: 300_000,
                });
                expect(result.stderr).toBe("");
                texts = JSON.parse(result.stdout) as { gate: string; calicoctl: string };
            }
            return texts;
        };
    })();
    const load = (text: string) => (requireFromString(text) as { handler: () => Required<typeof calicoctlDocumentProvider> }).handler();
    let previousPath: string | undefined;
    beforeEach(() => {
        previousPath = process.env.PATH;
    });
    afterEach(() => {
        process.env.PATH = previousPath;
    });

    it("hold no kubeconfig and load their modules by name", () => {
        const { gate, calicoctl } = serialized();
        for (const text of [gate, calicoctl]) {
            expect(text).toContain("@kubernetes/client-node");
            expect(text).not.toMatch(/__vite|client-key|token:/);
        }
        expect(calicoctl).toContain('require("child_process")');
    }, 600_000);

    it("run from their serialized form: the gate waits for the API, calicoctl applies the document", async () => {
        const { gate, calicoctl } = serialized();
        const api = await fakeApi({ [APISERVICE]: [apiService("True")], [GNP_LIST]: [emptyList] });
        process.env.KUBECONFIG = writeKubeconfig(api.port);
        try {
            expect((await load(gate).create({ context: "lab", timeoutSeconds: 60, pollSeconds: 0.1 })).id).toBe("calico-api-ready:lab");
        } finally {
            await api.close();
        }
        const { dir, log } = stubTools(["calicoctl"]);
        process.env.PATH = `${dir}:${previousPath}`;
        const document = "apiVersion: projectcalico.org/v3\nkind: NetworkPolicy\nmetadata: {name: allow, namespace: lab}\nspec: {}\n";
        expect((await load(calicoctl).create({ context: "lab", document, timeoutSeconds: 10 })).id).toBe("NetworkPolicy/lab/allow");
        expect(fs.readFileSync(log, "utf8").trim()).toBe("calicoctl apply -f -");
        expect(fs.readFileSync(path.join(dir, "calicoctl.stdin"), "utf8")).toBe(document);
    }, 600_000);
});
