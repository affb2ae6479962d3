// default-deny: every namespace that runs workloads (system namespaces aside) is isolated for
// Ingress AND Egress. Judged by meaning: for each workload the analyzer is asked whether an
// unrelated party (an address on the internet, a pod in a namespace no policy names) can talk to
// it, and it to them, on an arbitrary port. Only the workload's own policy decision counts, so a
// Kubernetes NetworkPolicy, a Calico NetworkPolicy or a GlobalNetworkPolicy all qualify, and a
// policy that exists but does not isolate (wrong namespace, missing type) does not.
import type { Decision, Workload } from "../../analysis";
import { askOwn, ClusterView, ownAllows } from "../lib/cluster";
import { schemaOf } from "../lib/config";
import { describeDecision } from "../lib/explain";
import { clusterPolicy } from "../lib/policy";

type Direction = "ingress" | "egress";
const PROTOCOLS = ["TCP", "UDP"] as const;

export interface Opening {
    workload: Workload;
    peer: string;
    protocol: string;
    decision: Decision;
}

/**
 * Openings by view, workload and direction: default-deny computes them for every workload, and
 * dns-allowance asks the same question (isIsolated) again over the same view. Only the small
 * result is kept, not the verdicts behind it.
 */
const openings = new WeakMap<ClusterView, Map<Workload, { ingress?: Opening | null; egress?: Opening | null }>>();

/** The first probe an unrelated party gets through with, for a workload and direction; undefined when isolated. */
export function openingOf(view: ClusterView, workload: Workload, direction: Direction): Opening | undefined {
    let byWorkload = openings.get(view);
    if (!byWorkload) {
        byWorkload = new Map();
        openings.set(view, byWorkload);
    }
    let known = byWorkload.get(workload);
    if (!known) {
        known = {};
        byWorkload.set(workload, known);
    }
    let opening = known[direction];
    if (opening === undefined) {
        opening = findOpening(view, workload, direction) ?? null;
        known[direction] = opening;
    }
    return opening ?? undefined;
}

const peers = new WeakMap<ClusterView, string[]>();

/** The unrelated parties default-deny probes with. */
function peersOf(view: ClusterView): string[] {
    let known = peers.get(view);
    if (!known) {
        known = [...view.settings.unrelatedAddresses.map((a) => `external:${a}`), view.neighbour];
        peers.set(view, known);
    }
    return known;
}

/**
 * True when default-deny has already found that the workload's own decision refuses this probe:
 * it is isolated in this direction, and the probe is one of its own (an unrelated peer, the probe
 * port, TCP or UDP). Lets later policies skip questions already answered; false when not known.
 */
export function refusesKnownProbe(view: ClusterView, workload: Workload, direction: Direction, peer: string, port: number, protocol: string): boolean {
    if (openings.get(view)?.get(workload)?.[direction] !== null) return false;
    return port === view.settings.probePort && (PROTOCOLS as readonly string[]).includes(protocol) && peersOf(view).includes(peer);
}

function findOpening(view: ClusterView, workload: Workload, direction: Direction): Opening | undefined {
    const peers = peersOf(view);
    for (const peer of peers) {
        for (const protocol of PROTOCOLS) {
            const [src, dst] = direction === "ingress" ? [peer, workload.id] : [workload.id, peer];
            if (!ownAllows(view, src, dst, view.settings.probePort, protocol, direction)) continue;
            const decision = askOwn(view, src, dst, view.settings.probePort, protocol, direction);
            if (decision.allowed) return { workload, peer, protocol, decision };
        }
    }
    return undefined;
}

export function isIsolated(view: ClusterView, workload: Workload, direction: Direction): boolean {
    return openingOf(view, workload, direction) === undefined;
}

const TYPE: Record<Direction, string> = { ingress: "Ingress", egress: "Egress" };

function message(namespace: string, direction: Direction, openings: Opening[], view: ClusterView): string {
    const verb = direction === "ingress" ? "accepts" : "opens";
    const lines = openings.map((o) => {
        const probe =
            direction === "ingress"
                ? `${o.workload.id} accepts ${o.protocol} ${view.settings.probePort} from ${o.peer}`
                : `${o.workload.id} can connect to ${o.peer} on ${o.protocol} ${view.settings.probePort}`;
        return `  - ${probe}: ${describeDecision(o.decision)}`;
    });
    const reopened = openings.filter((o) => o.decision.decidedBy === "rule");
    const unselected = openings.filter((o) => o.decision.decidedBy !== "rule");
    const fixes: string[] = [];
    if (unselected.length) {
        fixes.push(
            `add a NetworkPolicy in ${namespace} with podSelector: {} and policyTypes: [Ingress, Egress] (or a Calico (Global)NetworkPolicy selecting these pods ` +
                `with types: [Ingress, Egress]), then allow only the flows the namespace needs; if ${TYPE[direction]} is missing from policyTypes/types, rules of that direction are ignored`,
        );
    }
    if (reopened.length) {
        const rules = [...new Set(reopened.map((o) => o.decision.steps[o.decision.steps.length - 1]).map((step) => `${step?.origin} of ${step?.policy.id}`))];
        fixes.push(
            `the ${rules.length > 1 ? "rules" : "rule"} ${rules.join(", ")} ${rules.length > 1 ? "allow" : "allows"} any peer on any port, which undoes the default deny: name the peers and ports (see no-broad-allow)`,
        );
    }
    return [
        `Namespace ${namespace} is not isolated for ${TYPE[direction]}: a workload there ${verb} connections on an arbitrary port with parties no policy names.`,
        ...lines,
        `Why it matters: zero trust starts from deny. Without a default deny in both directions every connection nobody thought about is allowed, ` +
            `${direction === "ingress" ? "so any pod or client that reaches the pod network can call these workloads" : "so a compromised pod can reach any service and exfiltrate data"}.`,
        `Fix: ${fixes.join("; and ")}.`,
    ].join("\n");
}

const configSchema = schemaOf(["systemNamespaces", "unrelatedAddresses", "probePort", "hostEndpoints"]);

export const defaultDeny = clusterPolicy({
    name: "default-deny",
    description:
        "Every namespace that runs workloads (system namespaces excepted) denies by default, for Ingress AND Egress. " +
        "Judged by meaning: an unrelated party (an internet address, a pod in an unrelated namespace) on an arbitrary port must be refused by each workload's own policy, " +
        "whether that policy is a Kubernetes NetworkPolicy, a Calico NetworkPolicy or a GlobalNetworkPolicy.",
    enforcementLevel: "mandatory",
    severity: "high",
    configSchema,
    judge(view, report) {
        const byNamespace = new Map<string, Workload[]>();
        for (const workload of view.workloads) byNamespace.set(workload.namespace, [...(byNamespace.get(workload.namespace) ?? []), workload]);
        for (const [namespace, workloads] of byNamespace) {
            for (const direction of ["ingress", "egress"] as const) {
                const openings = workloads.map((w) => openingOf(view, w, direction)).filter((o): o is Opening => o !== undefined);
                if (openings.length === 0) continue;
                const namespaceObject = view.subjects.find((o) => o.apiVersion === "v1" && o.kind === "Namespace" && o.metadata.name === namespace);
                report(message(namespace, direction, openings, view), namespaceObject ?? view.objectOf(openings[0]!.workload));
            }
        }
    },
});
