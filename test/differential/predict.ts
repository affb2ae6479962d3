// The analyzer's side: the scenario's objects READ BACK from the cluster (live/readback.ts, plus
// the scenario's pods with their addresses, so nets and ipBlocks are judged against real pod
// IPs), one model, one query per cell.
import { buildModel, query } from "../../analysis";
import type { KubeObject, Verdict as AnalyzerVerdict } from "../../analysis";
import type { ClusterApi, NodeInfo, PlainObject } from "../../live/cluster";
import { analyzerOptions } from "../../live/predict";
import { podForAnalysis } from "../../live/cluster-objects";
import { readBack } from "../../live/readback";
import type { Cell, DeployedFacts } from "./cells";
import type { CellPrediction } from "./compare";
import type { Protocol, Scenario } from "./scenario";

export interface ScenarioReadBack {
    objects: PlainObject[];
    nodes: NodeInfo[];
    facts: DeployedFacts;
}

export async function readScenarioBack(cluster: ClusterApi, scenario: Scenario, nodeAddress: string): Promise<ScenarioReadBack> {
    const namespaces = scenario.namespaces.map((namespace) => namespace.name);
    // The release the cluster runs (ClusterInformation default), so the analyzer judges as it enforces.
    const [back, podLists, information] = await Promise.all([
        readBack(cluster, namespaces, { checks: [], baseline: [] }),
        Promise.all(namespaces.map(async (namespace) => (await cluster.listObjects("v1", "Pod", namespace)) ?? [])),
        cluster.listObjects("crd.projectcalico.org/v1", "ClusterInformation"),
    ]);
    const pods = podLists
        .flat()
        .filter((pod) => (pod as { status?: { phase?: string } }).status?.phase === "Running")
        .map(podForAnalysis);
    const podIPs: Record<string, string> = {};
    for (const pod of back.pods) if (namespaces.includes(pod.namespace) && pod.phase === "Running" && pod.ip) podIPs[`${pod.namespace}/${pod.name}`] = pod.ip;
    const services: DeployedFacts["services"] = {};
    for (const object of back.objects) {
        if (object.kind !== "Service" || !namespaces.includes(object.metadata.namespace ?? "")) continue;
        const spec = object.spec as { clusterIP?: string; ports?: { port: number; protocol?: Protocol; nodePort?: number }[] };
        if (!spec.clusterIP || spec.clusterIP === "None") continue;
        services[`${object.metadata.namespace}/${object.metadata.name}`] = {
            clusterIP: spec.clusterIP,
            ports: (spec.ports ?? []).map((port) => ({
                port: port.port,
                protocol: port.protocol ?? "TCP",
                ...(port.nodePort ? { nodePort: port.nodePort } : {}),
            })),
        };
    }
    const clusterInformation = (information ?? []).filter((o) => o.metadata.name === "default");
    const node = back.nodes[0];
    if (!node) throw new Error("the cluster lists no Node: the node's cells need its name and address");
    // The Nodes as the analyzer reads them (their addresses make `node:<name>`), unless read back already.
    const nodes = back.objects.some((o) => o.kind === "Node") ? [] : back.nodes.map(nodeObject);
    return {
        objects: [...back.objects, ...nodes, ...pods, ...clusterInformation],
        nodes: back.nodes,
        facts: { podIPs, services, nodeAddress, nodeName: node.name },
    };
}

function nodeObject(node: NodeInfo): PlainObject {
    const addresses = [
        ...(node.internalIP ? [{ type: "InternalIP", address: node.internalIP }] : []),
        ...(node.externalIP ? [{ type: "ExternalIP", address: node.externalIP }] : []),
    ];
    return { apiVersion: "v1", kind: "Node", metadata: { name: node.name, labels: node.labels }, status: { addresses } };
}

export type CellAnswer = (CellPrediction & { verdictOfAnalyzer: AnalyzerVerdict }) | { error: string };

/** The analyzer's verdict for every cell; an input it refuses is an error on every cell. */
export function predictCells(objects: PlainObject[], nodes: NodeInfo[], cells: readonly Cell[]): Map<string, CellAnswer> {
    const answers = new Map<string, CellAnswer>();
    let model: ReturnType<typeof buildModel>;
    try {
        model = buildModel(objects as KubeObject[], analyzerOptions(objects, nodes));
    } catch (error) {
        for (const cell of cells)
            answers.set(cell.id, { error: `the analyzer refused the objects read back: ${error instanceof Error ? error.message : String(error)}` });
        return answers;
    }
    for (const cell of cells) {
        try {
            const verdict = query(model, { src: cell.query.src, dst: cell.query.dst, port: cell.query.port, protocol: cell.query.protocol });
            answers.set(cell.id, { verdict: verdict.allowed ? "allowed" : "blocked", reason: verdict.reason, verdictOfAnalyzer: verdict });
        } catch (error) {
            answers.set(cell.id, { error: error instanceof Error ? error.message : String(error) });
        }
    }
    return answers;
}
