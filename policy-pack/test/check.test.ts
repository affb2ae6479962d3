// policy:check over plain manifests: the same policies, printed with policy name, resource and
// explanation; exit 0 (no mandatory violation), 1 (mandatory violations), 2 (bad input).
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { Writable } from "stream";
import { stringify } from "yaml";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { main } from "../check";
import { FLAVORS, stackObjects } from "./helpers";

const ROOT = path.join(__dirname, "..", "..");
let dir: string;

/** Writes a stage's objects as a directory of YAML files, like cluster=render does. */
async function renderStage(stage: number, flavor: "calico" | "kubernetes", name = `${flavor}-${stage}`): Promise<string> {
    const target = path.join(dir, name);
    fs.mkdirSync(path.join(target, "1-manifest"), { recursive: true });
    for (const object of await stackObjects(stage, flavor)) {
        const file = `${object.kind.toLowerCase()}-${object.metadata.namespace ?? "cluster"}-${object.metadata.name}.yaml`;
        fs.writeFileSync(path.join(target, "1-manifest", file), stringify(object));
    }
    return target;
}

function sink(): Writable & { text: string } {
    const stream = new Writable({
        write(chunk, _encoding, done) {
            stream.text += String(chunk);
            done();
        },
    }) as Writable & { text: string };
    stream.text = "";
    return stream;
}

async function run(...args: string[]) {
    const out = sink();
    const err = sink();
    const code = await main(args, out, err);
    return { code, out: out.text, err: err.text };
}

beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), "policy-check-"));
});
afterAll(() => {
    fs.rmSync(dir, { recursive: true, force: true });
});

describe.each(FLAVORS)("policy:check over the %s flavor's rendered stages", (flavor) => {
    it("stage 4 has no mandatory violation: exit 0", async () => {
        const { code, out, err } = await run(await renderStage(4, flavor));
        expect(code).toBe(0);
        expect(out).toMatch(/0 mandatory and \d+ advisory violations/);
        // The pack's own probe endpoints are no concern of the user's: no warning names them.
        expect(err).toBe("");
    });

    it("stage 2 is not zero trust: exit 1, each violation with policy, resource and explanation", async () => {
        const stage = await renderStage(2, flavor);
        const { code, out } = await run(stage);
        expect(code).toBe(1);
        expect(out).toContain(
            `[mandatory] default-deny: Namespace zero-trust-lab (${path.join(stage, "1-manifest", "namespace-cluster-zero-trust-lab.yaml")})`,
        );
        expect(out).toContain("    Namespace zero-trust-lab is not isolated for Ingress");
        expect(out).toContain("[mandatory] edge-only-ingress: Service zero-trust-lab/helloworld");
        expect(out).toContain("external:203.0.113.10 -> nodeport:zero-trust-lab/helloworld 30080/TCP: allowed");
    });

    it("stage 2 with --advisory shows the same findings as advisory: exit 0", async () => {
        const { code, out } = await run("--advisory", await renderStage(2, flavor));
        expect(code).toBe(0);
        expect(out).toContain("[advisory] default-deny: Namespace zero-trust-lab");
        expect(out).not.toContain("[mandatory]");
    });
});

describe("policy:check settings and bad input", () => {
    it("--config takes the --policy-pack-config format: levels and settings per policy", async () => {
        const stage = await renderStage(2, "kubernetes");
        const config = path.join(dir, "config.json");
        fs.writeFileSync(config, JSON.stringify({ "default-deny": "disabled", "edge-only-ingress": { edgeWorkloads: ["helloworld", "helloworld-proxy"] } }));
        const { code, out } = await run("--config", config, stage);
        expect(code).toBe(0);
        expect(out).not.toContain("default-deny");
        expect(out).not.toContain("edge-only-ingress");
    });

    it.each([
        ["no paths", [] as string[], "policy:check: missing required argument 'file-or-directory'"],
        ["a missing file", ["/nonexistent/manifests.yaml"], "/nonexistent/manifests.yaml: no such file or directory"],
        ["an unknown option", ["--strict", "x.yaml"], "policy:check: unknown option '--strict'"],
    ])("%s is bad input: exit 2", async (_name, args, message) => {
        const { code, err } = await run(...args);
        expect(code).toBe(2);
        expect(err).toContain(message);
    });

    it("invalid YAML is bad input: exit 2, naming file and line", async () => {
        const file = path.join(dir, "broken.yaml");
        fs.writeFileSync(file, "apiVersion: v1\nkind: Namespace\nmetadata: {name: [\n");
        const { code, err } = await run(file);
        expect(code).toBe(2);
        expect(err).toContain(`${file} (document 1, line 4): invalid YAML`);
    });

    it("an object the analyzer cannot read (a malformed Calico selector) is bad input: exit 2", async () => {
        const file = path.join(dir, "bad-selector.yaml");
        fs.writeFileSync(
            file,
            stringify({
                apiVersion: "projectcalico.org/v3",
                kind: "GlobalNetworkPolicy",
                metadata: { name: "broken" },
                spec: { order: 1, selector: "app == 'x", types: ["Ingress"] },
            }),
        );
        const { code, err } = await run(file);
        expect(code).toBe(2);
        expect(err).toContain("GlobalNetworkPolicy broken");
    });

    it("a config naming an unknown policy is bad input: exit 2", async () => {
        const config = path.join(dir, "typo.json");
        fs.writeFileSync(config, JSON.stringify({ "default-denny": "advisory" }));
        const { code, err } = await run("--config", config, await renderStage(4, "calico"));
        expect(code).toBe(2);
        expect(err).toContain(`unknown policy "default-denny"`);
    });

    it.each([
        [
            "a misspelt level for all (it must not turn the gate off)",
            { all: "mandtory" },
            /--config: all: enforcement level "mandtory" is not one of "advisory", "mandatory", "remediate", "disabled"/,
        ],
        [
            "a setting of the wrong type",
            { "edge-only-ingress": { edgeWorkloads: "frontend" } },
            /--config: edge-only-ingress\.edgeWorkloads: "frontend" must be array/,
        ],
        [
            "a setting the policy does not declare",
            { "edge-only-ingress": { edgeWorkload: ["frontend"] } },
            /--config: edge-only-ingress\.edgeWorkload: unknown setting "edgeWorkload"; edge-only-ingress takes: .*edgeWorkloads/,
        ],
        [
            "a misspelt enforcementLevel",
            { "default-deny": { enforcementLevel: "off" } },
            /--config: default-deny\.enforcementLevel: enforcement level "off" is not one of/,
        ],
    ])("checks --config against each policy's configSchema: %s is exit 2 naming the key", async (_what, config, message) => {
        const { code, err, out } = await run("--config", JSON.stringify(config), await renderStage(4, "calico"));
        expect(err).toMatch(message);
        expect(err).not.toMatch(/TypeError|\n\s+at /);
        expect(out).toBe("");
        expect(code).toBe(2);
    });

    it("runs as `npm run --silent policy:check -- <paths>` with the exit codes above", async () => {
        const stage = await renderStage(1, "calico");
        const npm = (args: string[]) => spawnSync("npm", ["run", "--silent", "policy:check", "--", ...args], { cwd: ROOT, encoding: "utf8", timeout: 300_000 });
        const failing = npm([stage]);
        expect(failing.status, failing.stderr).toBe(1);
        expect(failing.stdout).toContain("[mandatory] default-deny");
        expect(npm(["--advisory", stage]).status).toBe(0);
        expect(npm([path.join(dir, "nothing-here")]).status).toBe(2);
    }, 600_000);
});

describe("policy:check judges the stack as its Calico release enforces it (analysis/model/calico-releases.ts)", () => {
    // Denies the lab's DNS: enforced by Calico v3.29-v3.31, not by v3.28 (no AdminNetworkPolicy there).
    const noDns = {
        apiVersion: "policy.networking.k8s.io/v1alpha1",
        kind: "AdminNetworkPolicy",
        metadata: { name: "no-dns" },
        spec: {
            priority: 5,
            subject: { namespaces: { matchLabels: { "kubernetes.io/metadata.name": "zero-trust-lab" } } },
            egress: [{ action: "Deny", to: [{ namespaces: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } } }] }],
        },
    };
    // Stage 4 rendered once with the admin policy; each test works on its own copy.
    let rendered: string;
    beforeAll(async () => {
        rendered = await renderStage(4, "kubernetes", "anp-no-dns");
        fs.writeFileSync(path.join(rendered, "1-manifest", "anp-no-dns.yaml"), stringify(noDns));
    });
    let copies = 0;
    async function stageWithAnp(): Promise<string> {
        const copy = path.join(dir, `anp-no-dns-${++copies}`);
        fs.cpSync(rendered, copy, { recursive: true });
        return copy;
    }

    it("by default the release the stack states (the intent ConfigMap's calico-version, v3.30.3): the admin policy is enforced", async () => {
        const { code, out } = await run(await stageWithAnp());
        expect(code).toBe(1);
        expect(out).toContain("[mandatory] dns-allowance");
    });

    it("--calico-version 3.28: no AdminNetworkPolicy there; left out with a warning naming it and the release", async () => {
        const { code, err } = await run(await stageWithAnp(), "--calico-version", "3.28");
        expect(code).toBe(0);
        expect(err).toContain("policy:check: warning: AdminNetworkPolicy no-dns (policy.networking.k8s.io/v1alpha1) is not enforced by Calico v3.28.5");
    });

    it("the release the intent ConfigMap states (the program's calicoVersion config)", async () => {
        const stage = await stageWithAnp();
        const file = path.join(stage, "1-manifest", "configmap-zero-trust-lab-zero-trust-intent.yaml");
        fs.writeFileSync(file, fs.readFileSync(file, "utf8").replace(/calico-version: v3\.30\.3/, "calico-version: v3.28.5"));
        const { code, err } = await run(stage);
        expect(code).toBe(0);
        expect(err).toContain("is not enforced by Calico v3.28.5");
    });

    it("a release it does not model is exit 2 before any file is read", async () => {
        const { code, err } = await run(path.join(dir, "missing"), "--calico-version", "v3.27.0");
        expect(code).toBe(2);
        expect(err).toContain(
            'policy:check: bad input: --calico-version: Calico release "v3.27.0" is not modelled: expected a Calico release from v3.28.0 to v3.32.1',
        );
    });
});
