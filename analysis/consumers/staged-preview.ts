/**
 * `--staged`: what enforcing the staged policies would change. The input is judged twice, as it is
 * (staged policies left out: Calico never enforces them) and with every staged policy enforced
 * (staged.ts: Set makes the enforced policy of that name, Delete removes it); the flows that differ
 * are each given with the verdict on both sides, the deciding rule included (diff-reasons.ts).
 * Host endpoints count: when the input has any, the nodes are sources and destinations of both
 * matrices (at `nodePorts`, else STAGED_NODE_PORTS and the ports the touched global policies' ingress
 * rules name), so a staged host-endpoint default deny shows the node flows it would cut.
 */
import { AnalysisInputError } from "../errors";
import { describeObject } from "../input/manifests";
import { calicoRelease, inSpans, kindRow, STAGED_KINDS, STAGED_SINCE } from "../model/calico-releases";
import { buildModel } from "../model/model";
import type { AnalyzerOptions, ClusterModel } from "../model/model-types";
import { enforceStaged, isStaged, type StagedAction, type StagedChange } from "../model/staged";
import type { KubeObject } from "../types";
import type { ChangedFlow } from "./diff";
import { diffMatrices } from "./diff";
import { type DiffSide, explainDiff } from "./diff-reasons";
import { checkFocus, type Focus, focusMatrix } from "./focus";
import { connectivityMatrix, type MatrixOptions } from "./matrix";

/** The nodes' ports asked about when the input has host endpoints and --node-ports is not given: the kubelet's, on every node and no failsafe port. */
export const STAGED_NODE_PORTS = ["10250/TCP"];

/** One staged policy and what enforcing it does, as the formats print it. */
export interface StagedPolicyChange {
    kind: string;
    namespace?: string;
    name: string;
    stagedAction: StagedAction;
    /** The enforced policy's id: gnp:<name>, np:<ns>/<name>, knp:<ns>/<name>. */
    policy: string;
    effect: StagedChange["effect"];
}

export interface StagedPreview {
    /** The release judged, "v3.30.3". */
    calicoVersion: string;
    staged: StagedPolicyChange[];
    /** Flows enforcing the staged policies would allow, each with the verdict before and after. */
    added: ChangedFlow[];
    /** Flows enforcing them would block. */
    removed: ChangedFlow[];
}

/**
 * The preview of `objects`' staged policies under `options` (the release among them).
 * `warnings` are the two models' warnings (each once), without those saying the staged policies are not enforced.
 * @throws AnalysisInputError when the release does not serve the staged kinds, or there is no staged policy.
 */
export function previewStaged(
    objects: readonly KubeObject[],
    options: AnalyzerOptions,
    matrixOptions: MatrixOptions,
    focus?: Focus,
): { preview: StagedPreview; warnings: string[]; models: [ClusterModel, ClusterModel] } {
    const release = calicoRelease(options.calicoVersion, "calicoVersion");
    const served = kindRow({ apiVersion: "projectcalico.org/v3", kind: "StagedNetworkPolicy" })!.served!;
    if (!inSpans(release, served.spans))
        throw new AnalysisInputError(
            `--staged: Calico v${release.version} does not serve the staged kinds, so nothing can be staged there: ${served.why}; ` +
                `judge a release from v${STAGED_SINCE} on (--calico-version 3.30)`,
        );
    const { objects: enforced, changes } = enforceStaged(objects);
    if (!changes.length)
        throw new AnalysisInputError(`--staged: the input holds no staged policy (${Object.keys(STAGED_KINDS).join(", ")}): there is nothing to preview`);
    const before = buildModel([...objects], options);
    const after = buildModel(enforced, options);
    if (focus) checkFocus([before, after], focus);
    const nodePorts = matrixOptions.nodePorts ?? (before.hostEndpoints.length || after.hostEndpoints.length ? stagedNodePorts(changes, objects) : undefined);
    const sides = [before, after].map((model) => {
        const matrix = connectivityMatrix(model, { ...matrixOptions, ...(nodePorts ? { nodePorts } : {}) });
        return { model, matrix: focus ? focusMatrix(matrix, model, focus) : matrix };
    }) as [DiffSide, DiffSide];
    const { added, removed } = explainDiff(diffMatrices(sides[0].matrix, sides[1].matrix), ...sides);
    const stagedWarnings = new Set(objects.filter(isStaged).map((o) => `${describeObject(o)} (${o.apiVersion}) is not enforced`));
    const warnings = [...new Set([...before.warnings, ...after.warnings])].filter((w) => ![...stagedWarnings].some((prefix) => w.startsWith(prefix)));
    return {
        preview: {
            calicoVersion: `v${release.version}`,
            staged: [...changes].sort(byKindAndName).map(({ staged, action, policy, effect }) => ({
                kind: staged.kind,
                ...(staged.metadata.namespace ? { namespace: staged.metadata.namespace } : {}),
                name: staged.metadata.name,
                stagedAction: action,
                policy,
                effect,
            })),
            added,
            removed,
        },
        warnings,
        models: [before, after],
    };
}

/** Staged policies in one order whatever the input's (files, or a cluster's lists kind by kind): by kind, namespace and name. */
function byKindAndName(a: StagedChange, b: StagedChange): number {
    const kinds = Object.keys(STAGED_KINDS);
    const key = (c: StagedChange) => [kinds.indexOf(c.staged.kind), c.staged.metadata.namespace ?? "", c.staged.metadata.name] as const;
    const [x, y] = [key(a), key(b)];
    return x[0] - y[0] || (x[1] < y[1] ? -1 : x[1] > y[1] ? 1 : 0) || (x[2] < y[2] ? -1 : x[2] > y[2] ? 1 : 0);
}

/**
 * STAGED_NODE_PORTS, and every port the ingress rules of the global policies the staged ones touch
 * name (the staged policy itself, the enforced one of its name): what a host endpoint policy opens or
 * closes. A range counts by its first port.
 */
function stagedNodePorts(changes: readonly StagedChange[], objects: readonly KubeObject[]): string[] {
    const ports = new Set(STAGED_NODE_PORTS);
    const global = changes.filter((c) => c.policy.startsWith("gnp:"));
    const touched = [
        ...global.map((c) => c.staged),
        ...objects.filter((o) => !isStaged(o) && o.kind === "GlobalNetworkPolicy" && global.some((c) => c.staged.metadata.name === o.metadata.name)),
    ];
    for (const policy of touched) {
        for (const rule of Array.isArray(policy.spec?.ingress) ? policy.spec.ingress : []) {
            const protocol = ["TCP", "UDP", "SCTP"].includes(rule?.protocol) ? rule.protocol : undefined;
            if (!protocol) continue;
            for (const port of Array.isArray(rule.destination?.ports) ? rule.destination.ports : []) {
                const first = /^(\d+)(:\d+)?$/.exec(String(port))?.[1];
                if (first) ports.add(`${Number(first)}/${protocol}`);
            }
        }
    }
    return [...ports];
}
