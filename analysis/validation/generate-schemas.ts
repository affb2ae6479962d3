/**
 * Generates analysis/validation/schemas.json: the JSON schemas of every kind the analyzer reads, from
 * the API servers' own published schemas, fetched as Go modules through the Go module proxy:
 *
 * - Kubernetes: k8s.io/kubernetes@KUBERNETES api/openapi-spec/v3 (the OpenAPI v3 documents the
 *   kube-apiserver of that release serves; the lab's toolchain builds the same release).
 * - Calico: github.com/projectcalico/calico@CALICO libcalico-go/config/crd (the CRDs' openAPIV3Schema).
 *   The proxy serves no tagged Calico release (403), only this pseudo-version of the v3.28 branch, so
 *   CALICO_ADDITIONS adds what later releases up to the lab's v3.30 accept (tiers), citing the source,
 *   and STAGED_KINDS makes the staged kinds of v3.30.0+ from the kinds they stage.
 *
 * Changes made to the schemas, so they refuse what the API servers refuse:
 * - every object schema with properties and no additionalProperties gets `additionalProperties: false`
 *   (kubectl's default strict field validation and Calico's API server refuse unknown fields);
 * - descriptions are dropped (size); `$ref`s point into one `definitions` map;
 * - Kubernetes' `required` lists are dropped: the OpenAPI marks every field without `omitempty` required
 *   (StatefulSet serviceName, ...), yet the API server decodes a missing one as empty and only its
 *   validation decides (semantics.ts has the rules that matter here: containers, selectors, ports).
 *   Calico's CRD `required` lists stay: the CRD validation enforces them.
 *
 *   npm run schemas:generate        (needs `go` on PATH and the Go module proxy; rewrites schemas.json)
 */
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { parse } from "yaml";

export const KUBERNETES = "v1.30.14";
export const CALICO = "v1.11.0-cni-plugin.0.20250813170300-a0db560f0520";

/** Kinds the analyzer (and the pack's intent ConfigMap) reads: apiVersion -> kinds, with the OpenAPI document serving them. */
const KUBERNETES_KINDS: { document: string; apiVersion: string; kinds: string[] }[] = [
    {
        document: "api__v1_openapi.json",
        apiVersion: "v1",
        kinds: ["Namespace", "Service", "ServiceAccount", "Node", "Pod", "ReplicationController", "ConfigMap"],
    },
    { document: "apis__apps__v1_openapi.json", apiVersion: "apps/v1", kinds: ["Deployment", "StatefulSet", "DaemonSet", "ReplicaSet"] },
    { document: "apis__batch__v1_openapi.json", apiVersion: "batch/v1", kinds: ["Job", "CronJob"] },
    { document: "apis__networking.k8s.io__v1_openapi.json", apiVersion: "networking.k8s.io/v1", kinds: ["NetworkPolicy"] },
];

const CALICO_KINDS: Record<string, string> = {
    NetworkPolicy: "networkpolicies",
    GlobalNetworkPolicy: "globalnetworkpolicies",
    HostEndpoint: "hostendpoints",
    NetworkSet: "networksets",
    GlobalNetworkSet: "globalnetworksets",
    IPPool: "ippools",
    KubeControllersConfiguration: "kubecontrollersconfigurations",
};
/** Calico's two API groups serve the same spec: projectcalico.org/v3 (Calico API server, calicoctl) and the CRDs behind it. */
const CALICO_API_VERSIONS = ["projectcalico.org/v3", "crd.projectcalico.org/v1"];

/**
 * What Calico accepts after the v3.28 branch the proxy serves, up to the lab's v3.30 (docs
 * reference/resources/tier.mdx, networkpolicy.mdx, globalnetworkpolicy.mdx: tiers are open source since v3.29).
 * IPPool's assignmentMode (v3.30.0) and namespaceSelector (v3.31.0) are added by name; KubeControllersConfiguration, whose later
 * releases add spec fields the analyzer does not read, keeps unknown spec fields open.
 */
const CALICO_ADDITIONS = {
    policySpec: { tier: { type: "string" } },
    /** Later releases' IPPool fields (ippool.go; calico-releases.ts IPPOOL_FIELD_SPANS, which semantics.ts applies per release). */
    ipPoolSpec: { assignmentMode: { type: "string", enum: ["Automatic", "Manual"] }, namespaceSelector: { type: "string" } },
    openSpecs: ["KubeControllersConfiguration"],
    Tier: {
        type: "object",
        required: ["metadata"],
        properties: {
            apiVersion: { type: "string" },
            kind: { type: "string" },
            metadata: { $ref: "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" },
            spec: {
                type: "object",
                additionalProperties: false,
                properties: { order: { type: "number" }, defaultAction: { type: "string", enum: ["Pass", "Deny"] } },
            },
            status: { type: "object" },
        },
        additionalProperties: false,
    },
};

/**
 * Calico's staged kinds (v3.30.0 on): each is the spec of the kind it stages plus `stagedAction`
 * (api/pkg/apis/projectcalico/v3/stagednetworkpolicy.go, stagedglobalnetworkpolicy.go,
 * stagedkubernetesnetworkpolicy.go at v3.30.3, unchanged to v3.31.7; their CRDs
 * libcalico-go/config/crd/crd.projectcalico.org_staged*.yaml list exactly these fields, stagedAction
 * as a plain string: the validator's values are semantics.ts's). The v3.28 branch the proxy serves has
 * none of them. StagedKubernetesNetworkPolicy stages a Kubernetes NetworkPolicy: its spec is
 * networking.k8s.io/v1 NetworkPolicySpec's.
 */
const STAGED_KINDS = {
    calico: { StagedNetworkPolicy: "NetworkPolicy", StagedGlobalNetworkPolicy: "GlobalNetworkPolicy" },
    kubernetes: { StagedKubernetesNetworkPolicy: "io.k8s.api.networking.v1.NetworkPolicySpec" },
    stagedAction: { type: "string" },
};

type Schema = Record<string, any>;

function moduleDir(module: string, version: string, cache: string): string {
    const out = execFileSync("go", ["mod", "download", "-json", `${module}@${version}`], {
        env: { ...process.env, GOMODCACHE: cache, GOFLAGS: "-mod=mod", GOTOOLCHAIN: "local" },
        encoding: "utf8",
        maxBuffer: 1 << 24,
    });
    const info = JSON.parse(out) as { Dir?: string; Error?: string; Sum?: string };
    if (!info.Dir) throw new Error(`go mod download ${module}@${version}: ${info.Error ?? "no directory"}`);
    return info.Dir;
}

/** Strict copy of a schema: descriptions dropped, refs into #/definitions, unknown properties refused. */
function strict(schema: unknown, open = false, keepRequired = true): unknown {
    if (Array.isArray(schema)) return schema.map((s) => strict(s, false, keepRequired));
    if (typeof schema !== "object" || schema === null) return schema;
    const out: Schema = {};
    for (const [key, value] of Object.entries(schema as Schema)) {
        if (key === "description" || key === "example" || (key === "required" && !keepRequired)) continue;
        if (key === "$ref") out.$ref = String(value).replace("#/components/schemas/", "#/definitions/");
        else if (key === "properties")
            out.properties = Object.fromEntries(Object.entries(value as Schema).map(([k, v]) => [k, strict(v, false, keepRequired)]));
        else out[key] = strict(value, false, keepRequired);
    }
    if (out.properties && out.additionalProperties === undefined && !out["x-kubernetes-preserve-unknown-fields"] && !open) out.additionalProperties = false;
    return out;
}

function refsOf(schema: unknown, into: Set<string>): void {
    if (Array.isArray(schema)) {
        schema.forEach((s) => refsOf(s, into));
        return;
    }
    if (typeof schema !== "object" || schema === null) return;
    for (const [key, value] of Object.entries(schema as Schema)) {
        if (key === "$ref") into.add(String(value).replace(/^#\/(components\/schemas|definitions)\//, ""));
        else refsOf(value, into);
    }
}

export function generate(cache: string): Schema {
    const kubeDir = path.join(moduleDir("k8s.io/kubernetes", KUBERNETES, cache), "api/openapi-spec/v3");
    const calicoDir = path.join(moduleDir("github.com/projectcalico/calico", CALICO, cache), "libcalico-go/config/crd");
    const components: Schema = {};
    const kinds: Record<string, Schema> = {};
    for (const { document, apiVersion, kinds: names } of KUBERNETES_KINDS) {
        const schemas = JSON.parse(fs.readFileSync(path.join(kubeDir, document), "utf8")).components.schemas as Schema;
        Object.assign(components, schemas);
        for (const kind of names) {
            const [group, version] = apiVersion.includes("/") ? apiVersion.split("/") : ["", apiVersion];
            const name = Object.keys(schemas).find((n) =>
                (schemas[n]["x-kubernetes-group-version-kind"] ?? []).some((g: Schema) => g.group === group && g.version === version && g.kind === kind),
            );
            if (!name) throw new Error(`${apiVersion} ${kind}: not in ${document}`);
            kinds[`${apiVersion}/${kind}`] = { $ref: `#/definitions/${name}` };
        }
    }
    const calico: Record<string, Schema> = { Tier: CALICO_ADDITIONS.Tier };
    for (const [kind, plural] of Object.entries(CALICO_KINDS)) {
        const crd = parse(fs.readFileSync(path.join(calicoDir, `crd.projectcalico.org_${plural}.yaml`), "utf8"));
        const schema = structuredClone(crd.spec.versions[0].schema.openAPIV3Schema) as Schema;
        schema.properties.metadata = { $ref: "#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" };
        if (kind === "NetworkPolicy" || kind === "GlobalNetworkPolicy") Object.assign(schema.properties.spec.properties, CALICO_ADDITIONS.policySpec);
        if (kind === "IPPool") Object.assign(schema.properties.spec.properties, CALICO_ADDITIONS.ipPoolSpec);
        const strictKind = strict(schema) as Schema;
        // strict() closes every object it meets; an open spec is opened again afterwards (it once was closed twice).
        if (CALICO_ADDITIONS.openSpecs.includes(kind)) delete strictKind.properties.spec.additionalProperties;
        calico[kind] = strictKind;
    }
    for (const [staged, kind] of Object.entries(STAGED_KINDS.calico)) {
        const schema = structuredClone(calico[kind]!);
        schema.properties.spec.properties.stagedAction = STAGED_KINDS.stagedAction;
        calico[staged] = schema;
    }
    for (const [staged, specDefinition] of Object.entries(STAGED_KINDS.kubernetes)) {
        const spec = strict(components[specDefinition], false, false) as Schema;
        calico[staged] = {
            type: "object",
            properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { $ref: "#/definitions/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta" },
                spec: { ...spec, properties: { ...spec.properties, stagedAction: STAGED_KINDS.stagedAction }, additionalProperties: false },
            },
            additionalProperties: false,
        };
    }
    for (const [kind, schema] of Object.entries(calico)) for (const apiVersion of CALICO_API_VERSIONS) kinds[`${apiVersion}/${kind}`] = schema;

    // Only the definitions reachable from the kinds.
    const definitions: Schema = {};
    const pending = new Set<string>();
    refsOf(kinds, pending);
    while (pending.size) {
        const [name] = pending;
        pending.delete(name!);
        if (definitions[name!]) continue;
        if (!components[name!]) throw new Error(`missing definition ${name}`);
        definitions[name!] = strict(components[name!], false, false);
        const more = new Set<string>();
        refsOf(definitions[name!], more);
        for (const m of more) if (!definitions[m]) pending.add(m);
    }
    return {
        provenance: {
            generator: "analysis/validation/generate-schemas.ts (npm run schemas:generate)",
            kubernetes: `k8s.io/kubernetes@${KUBERNETES} api/openapi-spec/v3 (${KUBERNETES_KINDS.map((k) => k.document).join(", ")})`,
            calico: `github.com/projectcalico/calico@${CALICO} libcalico-go/config/crd, plus the v3.29-v3.30 additions in the generator (tier, Tier) and the staged kinds (v3.30.0+) made from the kinds they stage`,
            changes:
                "additionalProperties: false on every object schema with properties (strict field validation); Kubernetes required lists dropped (the API server's validation decides); descriptions dropped",
        },
        definitions,
        kinds,
    };
}

if (require.main === module) {
    const cache = process.env.GOMODCACHE ?? fs.mkdtempSync(path.join(os.tmpdir(), "schemas-gomod-"));
    const out = path.join(__dirname, "schemas.json");
    fs.writeFileSync(out, `${JSON.stringify(generate(cache))}\n`);
    process.stdout.write(`wrote ${out} (${(fs.statSync(out).size / 1024).toFixed(0)} KiB)\n`);
}
