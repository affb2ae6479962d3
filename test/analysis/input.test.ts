import { runCapturing } from "./helpers";
// Reading input as kubectl and the API servers do: YAML 1.1 scalars, merge keys, duplicate keys,
// tags and aliases refused with file and line; only regular files; API defaulting before evaluation.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { buildModel, parseManifests, query } from "../../analysis";
import { MAX_MANIFEST_BYTES } from "../../analysis/input/input-files";
import { API_DEFAULTS, withApiDefaults } from "../../analysis/validation/defaults";

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "analyzer-input-"));
afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

const run = (...args: string[]) => runCapturing(args);

const write = (name: string, text: string) => {
    const file = path.join(tmp, name);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, text);
    return file;
};

const WORKLOADS = `
apiVersion: v1
kind: Namespace
metadata: {name: lab}
---
apiVersion: v1
kind: Pod
metadata: {name: server, namespace: lab, labels: {app: server}}
spec: {containers: [{name: c, image: nginx, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: lab, labels: {app: client, exempt: "yes"}}
spec: {containers: [{name: c, image: nginx}]}
`;
const DENY_ALL = `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all, namespace: lab}
spec: {podSelector: {}}
`;

const allowed = (text: string, src = "lab/client", dst = "lab/server") =>
    query(buildModel(parseManifests(`${WORKLOADS}---${text}`, "test.yaml")), { src, dst, port: 80 }).allowed;

describe("API defaulting before evaluation", () => {
    it("treats an empty policyTypes like a missing one (Ingress): the pods are isolated", () => {
        expect(
            allowed(`
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: empty-types, namespace: lab}
spec: {podSelector: {}, policyTypes: []}
`),
        ).toBe(false);
    });

    it("treats an empty Calico types like a missing one, for NetworkPolicy and GlobalNetworkPolicy", () => {
        for (const kind of ["NetworkPolicy", "GlobalNetworkPolicy"]) {
            expect(
                allowed(
                    `
apiVersion: projectcalico.org/v3
kind: ${kind}
metadata: {name: deny, namespace: lab}
spec: {selector: all(), types: [], ingress: [{action: Deny}]}
`.replace(kind === "GlobalNetworkPolicy" ? ", namespace: lab" : "@", ""),
                ),
            ).toBe(false);
        }
    });

    it("copies an object only when a default fills something in, and never changes the input", () => {
        const complete = {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "web", namespace: "lab" },
            spec: { template: { spec: { serviceAccountName: "sa", containers: [{ name: "c", ports: [{ containerPort: 80, protocol: "TCP" }] }] } } },
        };
        expect(withApiDefaults(complete)).toBe(complete);
        const partial = structuredClone(complete);
        delete (partial.spec.template.spec as { serviceAccountName?: string }).serviceAccountName;
        delete (partial.spec.template.spec.containers[0]!.ports[0] as { protocol?: string }).protocol;
        const before = structuredClone(partial);
        const defaulted = withApiDefaults(partial);
        expect(partial).toEqual(before);
        expect(defaulted.spec.template.spec).toEqual({ ...complete.spec.template.spec, serviceAccountName: "default" });
        // A Service whose type is defaulted to ClusterIP gets no externalTrafficPolicy; a NodePort one does.
        const service = (type?: string) => ({
            apiVersion: "v1",
            kind: "Service",
            metadata: { name: "s", namespace: "lab" },
            spec: { ...(type ? { type } : {}), ports: [{ port: 80, protocol: "TCP", targetPort: 80 }] },
        });
        expect(withApiDefaults(service()).spec.externalTrafficPolicy).toBeUndefined();
        expect(withApiDefaults(service("NodePort")).spec.externalTrafficPolicy).toBe("Cluster");
        const clusterIp = service("ClusterIP");
        expect(withApiDefaults(clusterIp)).toBe(clusterIp);
    });

    it("copies only the maps and lists on the way to a default, once for a list two rules share through a YAML alias", () => {
        const [policy] = parseManifests(
            `
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: shared, namespace: lab}
spec:
  podSelector: {matchLabels: {app: server}}
  policyTypes: [Ingress]
  ingress:
  - ports: &web [{port: 80}, {port: 443, protocol: TCP}]
  - from: [{podSelector: {}}]
    ports: *web
`,
            "shared.yaml",
        );
        const before = structuredClone(policy!);
        const defaulted = withApiDefaults(policy!);
        expect(policy).toEqual(before);
        expect(defaulted.spec.ingress[0].ports).toEqual([
            { port: 80, protocol: "TCP" },
            { port: 443, protocol: "TCP" },
        ]);
        expect(defaulted.spec.ingress[1].ports).toBe(defaulted.spec.ingress[0].ports);
        expect(defaulted.spec.ingress[0].ports[1]).toBe(policy!.spec.ingress[0].ports[1]);
        expect(defaulted.metadata).toBe(policy!.metadata);
        expect(defaulted.spec.podSelector).toBe(policy!.spec.podSelector);
        expect(defaulted.spec.ingress[1].from).toBe(policy!.spec.ingress[1].from);
    });

    it("keeps one table of defaults, each with its source", () => {
        expect(API_DEFAULTS.length).toBeGreaterThan(5);
        for (const entry of API_DEFAULTS) expect(entry.source).toMatch(/^(K8S|CALICO)_/);
    });
});

describe("YAML as kubectl reads it", () => {
    it("refuses an unquoted selector starting with ! (a YAML tag), naming file, line and the fix", () => {
        const text = `${WORKLOADS}---
apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: not-exempt, namespace: lab}
spec:
  selector: !has(exempt)
  ingress: [{action: Deny}]
`;
        const line = text.split("\n").findIndex((l) => l.includes("selector: !has")) + 1;
        const { code, stderr } = run(write("tag.yaml", text));
        expect(code).toBe(2);
        expect(stderr).toContain(`tag.yaml (document 4, line ${line}): `);
        expect(stderr).toMatch(/unresolved YAML tag !has\(exempt\).*quote it \(e\.g\. selector: "!has\(exempt\)"\)/);
    });

    it.each([
        ["an undefined alias", "a: *nope\n", /document 1, line 1\): YAML alias \*nope has no anchor &nope before it/],
        ["an alias inside its own anchor", "a: &a [*a]\n", /YAML alias \*a is inside its own anchor &a/],
        ["a duplicate key", "apiVersion: v1\nkind: Namespace\nkind: Service\n", /line 3\): duplicate key "kind"/],
        ['a duplicate key, 1 and "1" alike', 'a: {1: x, "1": y}\n', /duplicate key "1"/],
        ["a list as a key", "? [a]\n: 1\n", /a map key must be a plain value/],
        ["nesting too deep", `${"[".repeat(20000)}${"]".repeat(20000)}\n`, /nested too deeply|invalid YAML|expected a Kubernetes object/],
    ])("refuses %s with file and line", (_what, text, message) => {
        const file = write(`bad-${_what.replace(/\W+/g, "-")}.yaml`, text);
        const { code, stderr } = run(file);
        expect(code).toBe(2);
        expect(stderr).toMatch(message);
        expect(stderr).not.toMatch(/internal error| {4}at /);
    });

    it("honours << merge keys, and explicit keys override merged ones", () => {
        const [pod] = parseManifests(
            `apiVersion: v1
kind: Pod
metadata:
  name: p
  labels:
    <<: {app: merged, tier: web}
    app: own
spec: {containers: [{name: c, image: nginx}]}
`,
            "merge.yaml",
        );
        expect(pod!.metadata.labels).toEqual({ app: "own", tier: "web" });
    });

    it("reads YAML 1.1 scalars like kubectl: a bare yes is a boolean, a port range stays a string", () => {
        const [object] = parseManifests("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: yes, b: 80:90, c: 0777}\n", "scalars.yaml");
        expect(object!.data).toEqual({ a: true, b: "80:90", c: 511 });
    });
});

describe("paths", () => {
    it("follows a symlinked sub-directory: its deny-all counts", () => {
        const root = path.join(tmp, "tree");
        write("tree/workloads.yaml", WORKLOADS);
        write("shared/deny.yaml", DENY_ALL);
        fs.symlinkSync(path.join(tmp, "shared"), path.join(root, "linked"));
        fs.symlinkSync(root, path.join(root, "loop")); // a cycle is read once
        const { code, stdout } = run(root, "--query", "lab/client", "lab/server", "80", "--format", "json");
        expect(code).toBe(0);
        expect(JSON.parse(stdout).allowed).toBe(false);
    });

    it("refuses a FIFO instead of hanging", () => {
        const fifo = path.join(tmp, "x.yaml");
        execFileSync("mkfifo", [fifo]);
        const { code, stderr } = run(fifo);
        expect(code).toBe(2);
        expect(stderr).toMatch(/x\.yaml: not a regular file \(a FIFO\)/);
        const dir = path.join(tmp, "with-fifo");
        fs.mkdirSync(dir);
        execFileSync("mkfifo", [path.join(dir, "y.yaml")]);
        expect(run(dir).stderr).toMatch(/y\.yaml: not a regular file \(a FIFO\)/);
    });

    it("refuses a device instead of reading it forever", () => {
        const { code, stderr } = run("/dev/zero");
        expect(code).toBe(2);
        expect(stderr).toMatch(/\/dev\/zero: not a regular file \(a device\)/);
    });

    it("refuses a file over the size limit, naming the limit", () => {
        const big = path.join(tmp, "big.yaml");
        fs.writeFileSync(big, "");
        fs.truncateSync(big, MAX_MANIFEST_BYTES + 1); // sparse: no disk used
        const { code, stderr } = run(big);
        expect(code).toBe(2);
        expect(stderr).toMatch(/big\.yaml: 100 MiB is over the analyzer's limit of 100 MiB per manifest file \(MAX_MANIFEST_BYTES/);
    });

    it("exits 2 on an empty file or a directory without manifests", () => {
        expect(run(write("empty.yaml", "")).code).toBe(2);
        fs.mkdirSync(path.join(tmp, "nothing"));
        const { code, stderr } = run(path.join(tmp, "nothing"));
        expect(code).toBe(2);
        expect(stderr).toMatch(/no Kubernetes objects found/);
    });

    it("warns, exit 0, when a named path gives no object beside paths that do (an empty rendered folder plus the baseline)", () => {
        const baseline = path.join(__dirname, "../../baseline/cluster.yaml");
        const rendered = path.join(tmp, "rendered-empty");
        fs.mkdirSync(rendered);
        fs.writeFileSync(path.join(rendered, "notes.txt"), "not a manifest");
        const alone = run(baseline);
        const { code, stdout, stderr } = run(rendered, baseline);
        expect(code).toBe(0);
        expect(stdout).toBe(alone.stdout);
        expect(stderr).toBe(`warning: no Kubernetes objects in ${rendered} (empty, or no .yaml, .yml or .json files); the result is of ${baseline} alone\n`);
        const empty = write("nothing-here.yaml", "# no documents\n");
        expect(run("--query", "lab-neighbour/probe", "kube-system/coredns", "53/UDP", empty, baseline).stderr).toMatch(
            /^warning: no Kubernetes objects in .*nothing-here\.yaml .*; the result is of .*cluster\.yaml alone\n$/,
        );
    });

    it("does not warn about a path whose objects are all there, named twice, through ./, or beside another", () => {
        const dir = path.join(tmp, "stage");
        write("stage/lab.yaml", `${WORKLOADS}---${DENY_ALL}`);
        const relative = `./${path.relative(process.cwd(), dir)}`;
        const { code, stderr } = run(
            dir,
            relative,
            `${dir}/`,
            write(
                "more/other.yaml",
                WORKLOADS.replace(/namespace: lab|name: lab}/g, (m) => m.replace("lab", "other")),
            ),
        );
        expect(code).toBe(0);
        expect(stderr).not.toMatch(/no Kubernetes objects/);
    });

    it("reports an object in a namespace no manifest declares", () => {
        const file = write("typo.yaml", `${WORKLOADS}---${DENY_ALL.replace("namespace: lab", "namespace: lba")}`);
        const { code, stderr } = run(file);
        expect(code).toBe(0);
        expect(stderr).toMatch(/warning: namespace lba not declared by any manifest/);
    });
});
