// The fuzz tier (npm run test:fuzz): random manifests, YAML text, selectors, queries and configs fed
// to the analyzer, policy:check's config reader and the program's config reader. Whatever comes in:
// no other error than the input error each one documents (never a stack trace), no run past a few
// seconds, and never exit 0 for an object the schema refuses. Seeded (FUZZ_SEED, default 12) and
// bounded in time (FUZZ_SECONDS per property, default 15); a failure prints the seed and the
// shrunk counterexample to replay.
import fc from "fast-check";
import { describe, it } from "vitest";
import { AnalysisInputError, buildModel, parseCalicoSelector, parseManifests, query, SelectorSyntaxError } from "../../analysis";
import { runCli } from "../../analysis/consumers/cli";
import { ConfigError } from "../../config";
import { parseLabConfig } from "../../scenarios/helloworld/config";
import { CONFIG_KEYS } from "../../scenarios/registry";
import { checkPackConfig } from "../../policy-pack/lib/config-check";
import { policies } from "../../policy-pack/policies";
import { isDeepStrictEqual } from "node:util";
import { stringify } from "yaml";
import { API_DEFAULTS, withApiDefaults } from "../../analysis/validation/defaults";

const SEED = Number(process.env.FUZZ_SEED ?? 12);
const SECONDS = Number(process.env.FUZZ_SECONDS ?? 15);
/**
 * One input that takes longer than this is a hang (a loop, a quadratic blow-up), reported with its
 * input. Not a performance figure: real inputs here take milliseconds; npm run bench measures.
 */
const HANG_MS = 10_000;
const settings = { seed: SEED, numRuns: 100_000, interruptAfterTimeLimit: SECONDS * 1000, markInterruptAsFailure: false };

/** Runs `body`, which may only fail with one of `allowed`; anything else, or a hang, fails the property. */
function onlyInputErrors(body: () => unknown, ...allowed: (new (...args: any[]) => Error)[]): true {
    const start = performance.now();
    try {
        body();
    } catch (error) {
        if (!allowed.some((kind) => error instanceof kind)) throw error;
    }
    const took = performance.now() - start;
    if (took > HANG_MS) throw new Error(`one input took ${Math.round(took)} ms`);
    return true;
}

// ---------------------------------------------------------------- objects

const label = fc.stringMatching(/^[a-z][a-z0-9-]{0,6}$/);
const labels = fc.dictionary(label, label, { maxKeys: 3 });
const selectorText = fc.oneof(
    fc.constantFrom("all()", "global()", "has(app)", "app == 'a'", "!has(x) && app in {'a', 'b'}", "(app != 'a' || role == 'x')"),
    fc.string({ maxLength: 30 }),
);
/** Any JSON-ish value, the wrong type for most fields. */
const junk = fc.oneof(
    fc.string({ maxLength: 8 }),
    fc.integer(),
    fc.boolean(),
    fc.constant(null),
    fc.array(fc.integer(), { maxLength: 2 }),
    fc.dictionary(label, fc.integer(), { maxKeys: 2 }),
);
const port = fc.oneof(fc.integer({ min: -5, max: 70_000 }), fc.constantFrom("http", "80:90", "my_port", "TCP"), junk);
const protocol = fc.oneof(fc.constantFrom("TCP", "UDP", "SCTP", "tcp", "ICMP", "ICMPv6", "UDPLite"), junk);
const cidr = fc.oneof(fc.constantFrom("10.0.0.0/8", "192.168.1.0/24", "0.0.0.0/0", "fd00::/8", "300.1.1.1/8", "10.0.0.1"), junk);

const kubePeer = fc.record(
    {
        podSelector: fc.record({ matchLabels: labels }),
        namespaceSelector: fc.record({ matchLabels: labels }),
        ipBlock: fc.record({ cidr, except: fc.array(cidr, { maxLength: 2 }) }),
    },
    { requiredKeys: [] },
);
const kubeRule = (peer: "from" | "to") =>
    fc.record(
        { [peer]: fc.array(kubePeer, { maxLength: 2 }), ports: fc.array(fc.record({ port, protocol, endPort: port }, { requiredKeys: [] }), { maxLength: 2 }) },
        { requiredKeys: [] },
    );
const kubePolicy = fc.record({
    apiVersion: fc.constant("networking.k8s.io/v1"),
    kind: fc.constant("NetworkPolicy"),
    metadata: fc.record({ name: label, namespace: fc.constant("lab") }),
    spec: fc.record(
        {
            podSelector: fc.oneof(fc.constant({}), fc.record({ matchLabels: labels })),
            policyTypes: fc.subarray(["Ingress", "Egress"]),
            ingress: fc.array(kubeRule("from"), { maxLength: 2 }),
            egress: fc.array(kubeRule("to"), { maxLength: 2 }),
        },
        { requiredKeys: ["podSelector"] },
    ),
});
const entity = fc.record(
    {
        selector: selectorText,
        nets: fc.array(cidr, { maxLength: 2 }),
        ports: fc.array(port, { maxLength: 2 }),
        notSelector: selectorText,
        namespaceSelector: selectorText,
    },
    { requiredKeys: [] },
);
const calicoRule = fc.record(
    { action: fc.constantFrom("Allow", "Deny", "Pass", "Log", "allow"), protocol, ipVersion: fc.constantFrom(4, 6), source: entity, destination: entity },
    { requiredKeys: ["action"] },
);
const calicoPolicy = fc.record({
    apiVersion: fc.constant("projectcalico.org/v3"),
    kind: fc.constantFrom("NetworkPolicy", "GlobalNetworkPolicy"),
    metadata: fc.record({ name: label, namespace: fc.constant("lab") }),
    spec: fc.record(
        {
            selector: selectorText,
            order: fc.oneof(fc.integer({ min: 0, max: 2000 }), junk),
            types: fc.subarray(["Ingress", "Egress"]),
            ingress: fc.array(calicoRule, { maxLength: 2 }),
            egress: fc.array(calicoRule, { maxLength: 2 }),
            preDNAT: fc.boolean(),
            applyOnForward: fc.boolean(),
            tier: fc.constantFrom("default", "nope"),
        },
        { requiredKeys: [] },
    ),
});
const workload = fc.record({
    apiVersion: fc.constant("apps/v1"),
    kind: fc.constant("Deployment"),
    metadata: fc.record({ name: label, namespace: fc.constant("lab") }),
    spec: fc.record({
        selector: fc.record({ matchLabels: labels }),
        template: fc.record({
            metadata: fc.record({ labels }),
            spec: fc.record({
                containers: fc.array(
                    fc.record({
                        name: label,
                        image: fc.constant("nginx"),
                        ports: fc.array(fc.record({ containerPort: port, protocol, name: label }, { requiredKeys: [] }), { maxLength: 2 }),
                    }),
                    { minLength: 1, maxLength: 2 },
                ),
            }),
        }),
    }),
});
const service = fc.record({
    apiVersion: fc.constant("v1"),
    kind: fc.constant("Service"),
    metadata: fc.record({ name: label, namespace: fc.constant("lab") }),
    spec: fc.record(
        {
            type: fc.constantFrom("ClusterIP", "NodePort", "LoadBalancer"),
            selector: labels,
            ports: fc.array(fc.record({ name: label, port, targetPort: port, nodePort: port, protocol }, { requiredKeys: ["port"] }), { maxLength: 2 }),
        },
        { requiredKeys: [] },
    ),
});
const object = fc.oneof(kubePolicy, calicoPolicy, workload, service);
const NAMESPACE = { apiVersion: "v1", kind: "Namespace", metadata: { name: "lab" } };

/** Puts `value` under a random path of `target` (a copy), creating maps on the way: an unknown field or a wrong type. */
function graft(target: any, path: readonly string[], value: unknown): any {
    const copy = structuredClone(target);
    let node = copy;
    for (const key of path.slice(0, -1)) {
        if (typeof node[key] !== "object" || node[key] === null || Array.isArray(node[key])) return copy;
        node = node[key];
    }
    node[path[path.length - 1]!] = value;
    return copy;
}

describe("fuzz: the analyzer never fails on input with anything but an input error", () => {
    it("random manifests as YAML text through the command: exit 0 or 2, never a throw", () => {
        fc.assert(
            fc.property(fc.array(object, { maxLength: 4 }), (objects) => {
                const text = [NAMESPACE, ...objects].map((o) => stringify(o)).join("---\n");
                return onlyInputErrors(() => {
                    const model = buildModel(parseManifests(text, "fuzz.yaml"));
                    for (const w of model.workloads.slice(0, 2)) query(model, { src: w.id, dst: w.id, port: 80 });
                }, AnalysisInputError);
            }),
            settings,
        );
    });

    it("an unknown field anywhere in a valid object is refused (never exit 0)", () => {
        const known = fc.constantFrom(
            ["spec", "fro"],
            ["spec", "ingress"],
            ["metadata", "nmae"],
            ["spec", "podSelector", "matchLabel"],
            ["spec", "template", "spec", "container"],
            ["spec", "selecter"],
            ["spec", "types2"],
            ["spec", "ports2"],
            ["spce"],
        );
        fc.assert(
            fc.property(object, known, fc.integer(), (base, path, value) => {
                let before: unknown;
                try {
                    buildModel([NAMESPACE, base] as never);
                    before = "valid";
                } catch (error) {
                    if (!(error instanceof AnalysisInputError)) throw error;
                    before = "refused";
                }
                if (before !== "valid") return true;
                const last = path[path.length - 1]!;
                if (["ingress"].includes(last)) return true; // a known field: not this property's case
                const grafted = graft(base, path, value);
                if (JSON.stringify(grafted) === JSON.stringify(base)) return true;
                try {
                    buildModel([NAMESPACE, grafted] as never);
                } catch (error) {
                    if (error instanceof AnalysisInputError && /unknown field/.test(error.message)) return true;
                    throw error;
                }
                throw new Error(`accepted an object with the unknown field ${path.join(".")}`);
            }),
            settings,
        );
    });

    it("API defaults: the same object as a full copy defaulted in place, and the input unchanged", () => {
        fc.assert(
            fc.property(object, fc.boolean(), (base, share) => {
                // Half the time a list or map shared by two places, as a YAML alias gives it.
                const input: any = structuredClone(base);
                if (share && input.spec?.ingress?.length) input.spec.egress = input.spec.ingress;
                if (share && input.spec?.template?.spec?.containers) input.spec.template.spec.initContainers = input.spec.template.spec.containers;
                const before = structuredClone(input);
                const expected = structuredClone(input);
                for (const d of API_DEFAULTS)
                    if (d.applies(expected))
                        d.apply(expected, (target, key, value) => {
                            target[key] = value;
                        });
                const defaulted = withApiDefaults(input);
                if (!isDeepStrictEqual(defaulted, expected)) throw new Error(`defaulted ${JSON.stringify(defaulted)}, expected ${JSON.stringify(expected)}`);
                if (!isDeepStrictEqual(input, before)) throw new Error("the input changed");
                if (share && input.spec?.ingress?.length && defaulted.spec.egress !== defaulted.spec.ingress) throw new Error("a shared list was copied twice");
                return true;
            }),
            settings,
        );
    });

    it("random YAML-ish text: documents or an input error", () => {
        const yamlish = fc
            .array(fc.constantFrom("a", ":", " ", "\n", "-", "[", "]", "{", "}", "!", "&", "*", "<<", "'", '"', "#", "\t", "1", "y", "---\n", "kind: Pod\n"), {
                maxLength: 200,
            })
            .map((parts) => parts.join(""));
        fc.assert(
            fc.property(yamlish, (text) => onlyInputErrors(() => buildModel(parseManifests(text, "fuzz.yaml")), AnalysisInputError)),
            settings,
        );
    });

    it("random selectors: parsed or a SelectorSyntaxError, and a parsed selector parses again from its canonical form", () => {
        const pieces = fc.constantFrom(
            "(",
            ")",
            "!",
            "&&",
            "||",
            " ",
            "a",
            "b",
            "==",
            "!=",
            "'x'",
            '"y"',
            "has(",
            "all()",
            "in",
            "{",
            "}",
            ",",
            "not in",
            "contains",
            "global()",
        );
        fc.assert(
            fc.property(fc.array(pieces, { maxLength: 25 }), (parts) =>
                onlyInputErrors(() => {
                    const parsed = parseCalicoSelector(parts.join(" "));
                    if (parseCalicoSelector(parsed.canonical).canonical !== parsed.canonical) throw new Error(`canonical form changed: ${parsed.canonical}`);
                }, SelectorSyntaxError),
            ),
            settings,
        );
    });

    it("random queries on a real stage: a verdict or exit 2", () => {
        const LOCKDOWN = `${__dirname}/../analysis/scenarios/lab-calico-lockdown/cluster.yaml`;
        const endpoint = fc.oneof(
            fc.constantFrom("lab/helloworld", "lab/helloworld-proxy", "nodeport:lab/helloworld", "external:1.2.3.4", "external:999.1.1.1", "lab/", "/", ""),
            fc.string({ maxLength: 12 }),
        );
        const portSpec = fc.oneof(fc.constantFrom("8080", "8080/TCP", "53/UDP", "http", "0", "65536", "1/ICMP", "x/y"), fc.string({ maxLength: 6 }));
        fc.assert(
            fc.property(endpoint, endpoint, portSpec, (src, dst, p) => {
                let code: number | undefined;
                onlyInputErrors(() => {
                    code = runCli([LOCKDOWN, "--query", src, dst, p], { stdout: () => undefined, stderr: () => undefined });
                });
                return code === 0 || code === 2;
            }),
            { ...settings, interruptAfterTimeLimit: Math.min(SECONDS, 10) * 1000 },
        );
    });
});

describe("fuzz: configuration readers", () => {
    it("the program's config: a LabConfig or a ConfigError naming the key; an accepted hostEndpointSelector parses", () => {
        const keys = Object.keys(CONFIG_KEYS) as string[];
        const value = fc.oneof(
            fc.string({ maxLength: 20 }),
            fc.constantFrom("lockdown", "5", "kube-system", "a b", "!has(a, b)", "ibm.role == worker_public", "x:latest", "calico-lab!", "30080"),
        );
        fc.assert(
            fc.property(fc.dictionary(fc.constantFrom(...keys), value, { maxKeys: 4 }), (values) =>
                onlyInputErrors(() => {
                    const config = parseLabConfig((key) => values[key]);
                    parseCalicoSelector(config.hostEndpointSelector);
                }, ConfigError),
            ),
            settings,
        );
    });

    it("policy:check --config: a config or an input error naming the key", () => {
        const names = [...policies.map((p) => p.name), "all", "nope"];
        const entry = fc.oneof(
            fc.constantFrom("advisory", "mandatory", "disabled", "mandtory", ""),
            fc.dictionary(fc.constantFrom("enforcementLevel", "edgeWorkloads", "dnsPort", "hostEndpoints", "x"), junk, { maxKeys: 3 }),
            junk,
        );
        fc.assert(
            fc.property(fc.oneof(fc.dictionary(fc.constantFrom(...names), entry, { maxKeys: 3 }), junk), (config) =>
                onlyInputErrors(() => checkPackConfig(config, policies, "fuzz.json"), AnalysisInputError),
            ),
            settings,
        );
    });
});
