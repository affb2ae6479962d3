// `analyze --kubeconfig FILE [--context NAME]`: a running cluster as input, served by the fake
// Kubernetes API (a real HTTP server the real client talks to), through the command's entry
// (runAnalyze, what `calico-zt analyze` runs) and once through the built CLI. The cluster holds the
// objects of fixtures/live/cluster.yaml, so every answer is held to `analyze` of that file.
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as path from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { runAnalyze, runCli } from "../../analysis/consumers/cli";
import { parseManifests } from "../../analysis/input/manifests";
import { temporaryDirectory } from "../helpers/temporary";
import { FakeKube, type FakeKubeOptions, kubeconfigFile, type Obj } from "../live/fake-kube";

const CLUSTER_FILE = path.join(__dirname, "fixtures/live/cluster.yaml");
/** Staged policies for the same cluster: a host default deny, the Delete of world-to-proxy, a StagedKubernetesNetworkPolicy. */
const STAGED_FILE = path.join(__dirname, "fixtures/staged/staged.yaml");
const ROOT = path.join(__dirname, "../..");
const PROXY = "lab/helloworld-proxy-7f8b6c-k9m2p";
const APP = "lab/helloworld-5d9c7b-x2x4q";

let kube: FakeKube | undefined;
let silent: http.Server | undefined;
afterEach(async () => {
    await kube?.stop();
    kube = undefined;
    await new Promise<void>((resolve) => (silent ? silent.close(() => resolve()) : resolve()));
    silent = undefined;
});

function clusterObjects(transform: (object: Obj) => Obj = (o) => o): Obj[] {
    return parseManifests(fs.readFileSync(CLUSTER_FILE, "utf8"), CLUSTER_FILE).map((o) => transform(structuredClone(o) as Obj));
}

/** The fake API serving the fixture's objects; returns a kubeconfig file reaching it. */
async function liveCluster(options: FakeKubeOptions = {}, objects = clusterObjects()): Promise<string> {
    kube = await new FakeKube(options).add(...objects).start();
    return kubeconfigFile(kube.port);
}

async function analyze(...args: string[]) {
    let stdout = "",
        stderr = "";
    const code = await runAnalyze(args, {
        stdout: (t) => {
            stdout += t;
        },
        stderr: (t) => {
            stderr += t;
        },
        width: 160,
    });
    return { code, stdout, stderr };
}

function analyzeFile(...args: string[]) {
    let stdout = "";
    const code = runCli([CLUSTER_FILE, ...args], { stdout: (t) => (stdout += t), stderr: () => undefined, width: 160 });
    return { code, stdout };
}

describe("analyze --kubeconfig: the running cluster as input", () => {
    it.each([
        ["the matrix as a table", []],
        ["the matrix as JSON", ["--format", "json"]],
        ["the allowed flows as JSON Lines", ["--format", "jsonl"]],
        ["the classes in Markdown", ["--format", "md", "--classes"]],
        ["the Mermaid graph", ["--format", "mermaid"]],
        ["the nodes in the matrix", ["--node-ports", "22/TCP,10250/TCP"]],
        ["a query", ["--query", PROXY, APP, "8080"]],
        ["a blocked NodePort query, as JSON", ["--query", "external:203.0.113.10", "nodeport:lab/helloworld", "30080", "--format", "json"]],
        ["many queries", ["--queries", path.join(__dirname, "fixtures/live/queries.txt")]],
        ["the policies of a pod", ["--endpoint", PROXY]],
        ["the policies of the node's host endpoint, as JSON", ["--endpoint", "node:lab-node", "--format", "json"]],
    ])("prints %s exactly as for the same objects in a file", async (_what, args) => {
        const kubeconfig = await liveCluster();
        const live = await analyze("--kubeconfig", kubeconfig, ...args);
        const file = analyzeFile(...args);
        expect(file.code).toBe(0);
        expect(live.code).toBe(0);
        expect(live.stdout).toBe(file.stdout);
        expect(live.stderr).toMatch(
            /^note: cluster fake \(http:\/\/127\.0\.0\.1:\d+\): 17 objects, judged as Calico v3\.30\.3 enforces them \(its ClusterInformation\)\n$/,
        );
    });

    it("reads the staged policies (Calico v3.30+): --staged previews them exactly as for the same objects in files, the matrix ignores them", async () => {
        const staged = parseManifests(fs.readFileSync(STAGED_FILE, "utf8"), STAGED_FILE) as Obj[];
        const kubeconfig = await liveCluster({}, [...clusterObjects(), ...staged]);
        for (const args of [["--staged"], ["--staged", "--format", "json"], ["--staged", "--namespace", "other"]]) {
            const live = await analyze("--kubeconfig", kubeconfig, ...args);
            expect(live.code).toBe(0);
            expect(live.stdout).toBe(analyzeFile(STAGED_FILE, ...args).stdout);
        }
        expect((await analyze("--kubeconfig", kubeconfig, "--staged")).stdout).toContain("deletes np:lab/world-to-proxy");
        const matrix = await analyze("--kubeconfig", kubeconfig, "--format", "jsonl");
        expect(matrix.stdout).toBe(analyzeFile("--format", "jsonl").stdout);
        expect(matrix.stderr).toContain("warning: StagedNetworkPolicy lab/world-to-proxy (projectcalico.org/v3) is not enforced by Calico v3.30.3");
        expect(kube!.lists).toContain("/apis/projectcalico.org/v3/stagedkubernetesnetworkpolicies?limit=500");
    });

    it("needs to list the staged kinds only to preview them, and reads a cluster that does not serve them (before v3.30)", async () => {
        const staged = parseManifests(fs.readFileSync(STAGED_FILE, "utf8"), STAGED_FILE) as Obj[];
        const forbidden = (method: string, url: string) => (method === "GET" && url.endsWith("/stagednetworkpolicies") ? 403 : undefined);
        const kubeconfig = await liveCluster({ fail: forbidden }, [...clusterObjects(), ...staged]);
        const matrix = await analyze("--kubeconfig", kubeconfig, "--format", "jsonl");
        expect(matrix.code).toBe(0);
        expect(matrix.stderr).toContain(
            "warning: no permission to list StagedNetworkPolicy (projectcalico.org/v3): read without it, which decides no verdict here (Calico never enforces a staged policy)\n",
        );
        const preview = await analyze("--kubeconfig", kubeconfig, "--staged");
        expect(preview.code).toBe(2);
        expect(preview.stderr).toMatch(/^error: .*StagedNetworkPolicy \(projectcalico\.org\/v3\).*--staged previews the staged policies/);
        await kube!.stop();
        const old = (o: Obj) => (o.kind === "ClusterInformation" ? { ...o, spec: { ...o.spec, calicoVersion: "v3.29.7" } } : o);
        const unserved = ["StagedNetworkPolicy", "StagedGlobalNetworkPolicy", "StagedKubernetesNetworkPolicy"];
        const v329 = await liveCluster({ unservedKinds: unserved }, clusterObjects(old));
        const read = await analyze("--kubeconfig", v329, "--format", "jsonl");
        expect(read.code).toBe(0);
        expect(read.stdout).toBe(analyzeFile("--calico-version", "3.29.7", "--format", "jsonl").stdout);
        const nothing = await analyze("--kubeconfig", v329, "--staged");
        expect(nothing.stderr).toContain("error: --staged: Calico v3.29.7 does not serve the staged kinds");
    });

    it("reads every list page by page (limit/continue, kubectl's --chunk-size), with the same answer", async () => {
        const kubeconfig = await liveCluster();
        const live = await analyze("--kubeconfig", kubeconfig, "--chunk-size", "2", "--format", "jsonl");
        expect(live.code).toBe(0);
        expect(live.stdout).toBe(analyzeFile("--format", "jsonl").stdout);
        // Built-in kinds and Calico's custom resources alike.
        expect(kube!.lists.filter((url) => url.startsWith("/api/v1/pods?"))).toEqual(["/api/v1/pods?limit=2", "/api/v1/pods?limit=2&continue=2"]);
        expect(kube!.lists.filter((url) => url.startsWith("/apis/projectcalico.org/v3/networkpolicies?"))).toEqual([
            "/apis/projectcalico.org/v3/networkpolicies?limit=2",
            "/apis/projectcalico.org/v3/networkpolicies?limit=2&continue=2",
        ]);
        // Every list is cluster-wide: no namespace is left out.
        expect(kube!.lists.filter((url) => url.includes("/namespaces/"))).toEqual([]);
    });

    it("reads an IPPool of a later release (v3.30's assignmentMode) as the cidr the analyzer needs", async () => {
        const pool: Obj = {
            apiVersion: "projectcalico.org/v3",
            kind: "IPPool",
            metadata: { name: "default-ipv4-ippool" },
            spec: { cidr: "192.168.0.0/16", ipipMode: "Always", natOutgoing: true, allowedUses: ["Workload", "Tunnel"], assignmentMode: "Automatic" },
        };
        const kubeconfig = await liveCluster({}, [...clusterObjects(), pool]);
        const live = await analyze("--kubeconfig", kubeconfig, "--format", "jsonl");
        expect(live.stderr).not.toContain("error");
        expect(live.code).toBe(0);
        expect(live.stdout).toBe(analyzeFile("--format", "jsonl").stdout);
    });

    it("names the cluster and the object when the analyzer refuses an object read from it", async () => {
        const bad: Obj = {
            apiVersion: "crd.projectcalico.org/v1",
            kind: "GlobalNetworkPolicy",
            metadata: { name: "default.bad-selector" },
            spec: { selector: "app == web", types: ["Ingress"] },
        };
        const crd = (o: Obj) => (o.apiVersion === "projectcalico.org/v3" ? { ...o, apiVersion: "crd.projectcalico.org/v1" } : o);
        const kubeconfig = await liveCluster({ unserved: ["projectcalico.org/v3"], calicoCrds: true }, [...clusterObjects(crd), bad]);
        const live = await analyze("--kubeconfig", kubeconfig);
        expect(live.code).toBe(2);
        expect(live.stderr).toMatch(
            /\nerror: cluster fake \(http:\/\/127\.0\.0\.1:\d+\): GlobalNetworkPolicy default\.bad-selector: spec\.selector: malformed selector: expected a quoted string after "==" but found label "web"/,
        );
    });

    it("leaves out pods that have ended and reads only what decides connectivity of the rest", async () => {
        const objects = clusterObjects();
        const done: Obj = {
            apiVersion: "v1",
            kind: "Pod",
            metadata: { name: "migrate-x7", namespace: "lab", labels: { app: "helloworld" } },
            spec: { containers: [{ name: "job", image: "busybox", volumeMounts: [{ name: "v", mountPath: "/v" }], futureField: true }] },
            status: { phase: "Succeeded", podIP: "192.168.1.10" },
        };
        const kubeconfig = await liveCluster({}, [...objects, done]);
        const live = await analyze("--kubeconfig", kubeconfig, "--format", "jsonl");
        expect(live.code).toBe(0);
        expect(live.stdout).not.toContain("migrate-x7");
    });

    it("reads the Calico kinds from Calico's CRDs when the cluster serves no projectcalico.org/v3", async () => {
        const crd = (o: Obj) => (o.apiVersion === "projectcalico.org/v3" ? { ...o, apiVersion: "crd.projectcalico.org/v1" } : o);
        const kubeconfig = await liveCluster({ unserved: ["projectcalico.org/v3"], calicoCrds: true }, clusterObjects(crd));
        const live = await analyze("--kubeconfig", kubeconfig, "--query", "external:203.0.113.10", "nodeport:lab/helloworld", "30080");
        expect(live.stderr).toMatch(/^note: cluster fake .*: 17 objects, judged as Calico v3\.30\.3 enforces them/);
        expect(live.code).toBe(0);
        expect(live.stdout).toMatch(/^BLOCKED .*\n.*denied by gnp:nodeport-lockdown ingress\[0\]/);
        expect(kube!.lists).toContain("/apis/crd.projectcalico.org/v1/clusterinformations?limit=500");
    });

    it("judges by --calico-version when given, without reading the ClusterInformation, and asks for it when the cluster has none", async () => {
        const kubeconfig = await liveCluster(
            {},
            clusterObjects().filter((o) => o.kind !== "ClusterInformation"),
        );
        const without = await analyze("--kubeconfig", kubeconfig, "--query", PROXY, APP, "8080");
        expect(without.code).toBe(2);
        expect(without.stderr).toMatch(
            /^error: cluster fake \(http:\/\/127\.0\.0\.1:\d+\): no ClusterInformation "default" with spec\.calicoVersion \(projectcalico\.org\/v3\): the Calico release to judge by is unknown; name it with --calico-version\n$/,
        );
        const named = await analyze("--kubeconfig", kubeconfig, "--calico-version", "3.29", "--query", PROXY, APP, "8080");
        expect(named.code).toBe(0);
        expect(named.stdout).toMatch(/^ALLOWED /);
        expect(kube!.lists.filter((url) => url.includes("clusterinformations"))).toHaveLength(1);
    });

    it("refuses a cluster running a release the analyzer does not model, unless --calico-version names one", async () => {
        const later = (o: Obj) => (o.kind === "ClusterInformation" ? { ...o, spec: { ...o.spec, calicoVersion: "v3.33.0" } } : o);
        const kubeconfig = await liveCluster({}, clusterObjects(later));
        const refused = await analyze("--kubeconfig", kubeconfig, "--query", PROXY, APP, "8080");
        expect(refused.code).toBe(2);
        expect(refused.stderr).toMatch(
            /^error: the cluster's ClusterInformation \(cluster fake \(http:\/\/127\.0\.0\.1:\d+\)\): Calico release "v3\.33\.0" is not modelled: expected a Calico release from v3\.28\.0 to v3\.32\.1, .*; --calico-version judges the cluster as a release that is\n$/,
        );
        expect((await analyze("--kubeconfig", kubeconfig, "--calico-version", "3.32", "--query", PROXY, APP, "8080")).code).toBe(0);
    });

    it("goes on without a kind it may not list when no verdict depends on it, and says so naming the kind", async () => {
        const kubeconfig = await liveCluster({ fail: (method, url) => (method === "GET" && url.endsWith("/endpointslices") ? 403 : undefined) });
        const live = await analyze("--kubeconfig", kubeconfig, "--format", "jsonl");
        expect(live.code).toBe(0);
        expect(live.stdout).toBe(analyzeFile("--format", "jsonl").stdout);
        expect(live.stderr).toContain(
            "warning: no permission to list EndpointSlice (discovery.k8s.io/v1): read without it, which decides no verdict here (every Service has a selector, so its backends are the pods it selects)\n",
        );
    });

    it.each([
        [
            "EndpointSlices, with a Service without a selector",
            "/endpointslices",
            [
                {
                    apiVersion: "v1",
                    kind: "Service",
                    metadata: { name: "legacy-db", namespace: "lab" },
                    spec: { clusterIP: "10.96.20.9", ports: [{ port: 5432 }] },
                },
            ],
            /^error: cluster fake \(http:\/\/127\.0\.0\.1:\d+\): no permission to list EndpointSlice \(discovery\.k8s\.io\/v1\), and verdicts need it: Services without a selector reach the addresses of their EndpointSlices \(lab\/legacy-db\) \(ask for list on it, or judge files instead\)\n$/,
        ],
        [
            "GlobalNetworkPolicies",
            "/globalnetworkpolicies",
            [],
            /^error: cluster fake .*: no permission to list GlobalNetworkPolicy \(projectcalico\.org\/v3\) \(ask/,
        ],
        ["Pods", "/api/v1/pods", [], /^error: cluster fake .*: no permission to list Pod \(v1\) \(ask/],
        ["NetworkPolicies", "/networking.k8s.io/v1/networkpolicies", [], /no permission to list NetworkPolicy \(networking\.k8s\.io\/v1\)/],
    ])("stops, naming the kind, when it may not list %s", async (_what, denied, extra, message) => {
        const kubeconfig = await liveCluster({ fail: (method, url) => (method === "GET" && url.endsWith(denied) ? 403 : undefined) }, [
            ...clusterObjects(),
            ...(extra as Obj[]),
        ]);
        const live = await analyze("--kubeconfig", kubeconfig);
        expect(live.code).toBe(2);
        expect(live.stdout).toBe("");
        expect(live.stderr).toMatch(message);
    });

    it("adds the files given beside the cluster, and compares the cluster with files under --diff", async () => {
        const kubeconfig = await liveCluster(
            {},
            clusterObjects().filter((o) => o.metadata.name !== "world-to-proxy"),
        );
        const extra = path.join(__dirname, "fixtures/live/world-to-proxy.yaml");
        const both = await analyze("--kubeconfig", kubeconfig, extra, "--format", "jsonl");
        expect(both.code).toBe(0);
        expect(both.stdout).toBe(analyzeFile("--format", "jsonl").stdout);
        const diff = await analyze("--exit-code", "--diff", "--kubeconfig", kubeconfig, "--", CLUSTER_FILE);
        expect(diff.code).toBe(1);
        expect(diff.stdout).toContain(
            [
                `+ external:203.0.113.10 -> ${PROXY} 8080/TCP`,
                `    before: blocked at ${PROXY}'s ingress: denied at the end of tier default: gnp:lab-default-deny selects ingress of ${PROXY} but no rule matches`,
                "    after:  allowed: no pre-DNAT rule matched at hostendpoint:lab-node-auto-hep: continues to normal policy; no applyOnForward policy selects hostendpoint:lab-node-auto-hep: forwarded traffic is allowed; allowed by np:lab/world-to-proxy ingress[0] (tier default)",
            ].join("\n"),
        );
        // The cluster with the file beside it (the before side: the paths after --diff) against the same objects in one file.
        const same = await analyze("--exit-code", "--diff", extra, "--kubeconfig", kubeconfig, "--", CLUSTER_FILE);
        expect(same).toMatchObject({ code: 0, stdout: "no change\n" });
    });

    it.each([
        ["--context without --kubeconfig", ["--context", "fake", CLUSTER_FILE], /^error: --context names a context of --kubeconfig FILE: give both\n$/],
        ["--diff with nothing before --", ["--diff", "--", CLUSTER_FILE], /^error: --diff needs the before side/],
        ["a kubeconfig that does not exist", ["--kubeconfig", "/nonexistent/config"], /^error: no kubeconfig found: \/nonexistent\/config does not exist\n$/],
        ["a bad --chunk-size", ["--kubeconfig", "/nonexistent/config", "--chunk-size", "0"], /"0" is not a whole number above 0/],
    ])("refuses %s before contacting anything", async (_what, args, message) => {
        const result = await analyze(...args);
        expect(result.code).toBe(2);
        expect(result.stderr).toMatch(message);
    });

    it("names the contexts the kubeconfig has when --context names another", async () => {
        const kubeconfig = await liveCluster();
        const result = await analyze("--kubeconfig", kubeconfig, "--context", "prod");
        expect(result.code).toBe(2);
        expect(result.stderr).toBe(`error: context prod is not in ${kubeconfig} (contexts: fake)\n`);
    });

    it("says the cluster cannot be reached, and when it does not answer in time, never printing a credential", async () => {
        const token = "analyze-bearer-token-7c1e55";
        const withToken = (port: number) => {
            const file = path.join(temporaryDirectory("kubeconfig"), "config");
            fs.writeFileSync(
                file,
                JSON.stringify({
                    apiVersion: "v1",
                    kind: "Config",
                    "current-context": "lab",
                    clusters: [{ name: "lab", cluster: { server: `http://127.0.0.1:${port}`, "insecure-skip-tls-verify": true } }],
                    users: [{ name: "lab", user: { token } }],
                    contexts: [{ name: "lab", context: { cluster: "lab", user: "lab" } }],
                }),
            );
            return file;
        };
        // A port nothing listens on: the listener is closed before the command runs.
        const closed = http.createServer();
        await new Promise<void>((resolve) => closed.listen(0, "127.0.0.1", resolve));
        const closedPort = (closed.address() as AddressInfo).port;
        await new Promise<void>((resolve) => closed.close(() => resolve()));
        const refused = await analyze("--kubeconfig", withToken(closedPort));
        expect(refused.code).toBe(2);
        expect(refused.stderr).toMatch(/^error: cannot reach the API server lab \(http:\/\/127\.0\.0\.1:\d+\) \(list .*\): ECONNREFUSED/);

        // An API server that accepts the request and never answers.
        silent = http.createServer(() => undefined);
        await new Promise<void>((resolve) => silent!.listen(0, "127.0.0.1", resolve));
        const hung = await analyze("--kubeconfig", withToken((silent.address() as AddressInfo).port), "--request-timeout", "0.3");
        expect(hung.code).toBe(2);
        expect(hung.stderr).toMatch(/^error: the API server lab \(http:\/\/127\.0\.0\.1:\d+\) did not answer within 0\.3 s \(list .*\); is it up\?/);

        // An answer that is an error: the client's message is shown without the credential it sent.
        kube = await new FakeKube({ fail: (_method, url) => (url === "/api/v1/pods" ? 500 : undefined) }).add(...clusterObjects()).start();
        const failed = await analyze("--kubeconfig", withToken(kube.port));
        expect(failed.code).toBe(2);
        expect(failed.stderr).toMatch(/^error: cluster lab \(http:\/\/127\.0\.0\.1:\d+\): cannot read the cluster: HTTP 500/);
        for (const result of [refused, hung, failed]) expect(result.stdout + result.stderr).not.toContain(token);
    });

    it("runs as the built command, calico-zt analyze, with its exit code", async () => {
        const kubeconfig = await liveCluster();
        const child = spawn(process.execPath, [path.join(ROOT, "dist/calico-zt.js"), "analyze", "--kubeconfig", kubeconfig, "--query", PROXY, APP, "8080"], {
            cwd: ROOT,
        });
        let stdout = "";
        child.stdout.on("data", (chunk) => {
            stdout += chunk;
        });
        const code = await new Promise<number | null>((resolve) => child.on("close", resolve));
        expect(code).toBe(0);
        expect(stdout).toMatch(new RegExp(`^ALLOWED {2}${PROXY} -> ${APP} 8080/TCP\\n`));
    });
});
