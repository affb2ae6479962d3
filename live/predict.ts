// Predicted verdicts: the analyzer's answer for each leg, over the objects read back from the
// cluster. Kept behind a small interface so the comparison can be tested with any predictor.
import { buildModel, query } from "../analysis";
import type { AnalyzerOptions, KubeObject } from "../analysis";
import type { NodeInfo, PlainObject } from "./cluster";
import { runningCalicoRelease } from "./cluster-objects";
import { INTENT } from "./readback";
import { Connection, legKey, Prediction } from "./types";

export interface PredictionError {
    error: string;
}
export type LegPrediction = Prediction | PredictionError;

export type Predictor = (objects: PlainObject[], legs: Connection[], nodes: NodeInfo[]) => Map<string, LegPrediction>;

export function isPrediction(value: LegPrediction | undefined): value is Prediction {
    return value !== undefined && "verdict" in value;
}

/**
 * The Calico release the cluster runs: calico-node's ClusterInformation (spec.calicoVersion), else the
 * release the stack states in its intent ConfigMap, else the analyzer's default.
 */
function calicoVersionOf(objects: PlainObject[]): string | undefined {
    const release = runningCalicoRelease(objects);
    if (release) return release;
    const intent = objects.find(
        (o) => o.kind === "ConfigMap" && (o.metadata as any)?.name === INTENT.configMap && typeof (o as any).data?.[INTENT.calicoVersionKey] === "string",
    );
    return intent ? (intent as any).data[INTENT.calicoVersionKey] : undefined;
}

/** Analyzer options from what the cluster says: the real node for automatic host endpoints, the Calico release it runs. */
export function analyzerOptions(objects: PlainObject[], nodes: NodeInfo[]): AnalyzerOptions {
    const autoHep = objects.some(
        (o) => o.kind === "KubeControllersConfiguration" && (o.spec as any)?.controllers?.node?.hostEndpoint?.autoCreate === "Enabled",
    );
    const node = nodes[0];
    const calicoVersion = calicoVersionOf(objects);
    return {
        ignoreUnknownKinds: true,
        ...(calicoVersion ? { calicoVersion } : {}),
        ...(autoHep && node
            ? { hostEndpoints: { auto: true, nodeName: node.name, nodeLabels: node.labels, ...(node.internalIP ? { nodeIP: node.internalIP } : {}) } }
            : {}),
    };
}

/** The analyzer (analysis/) as a Predictor. */
export const analyzerPredictor: Predictor = (objects, legs, nodes) => {
    const result = new Map<string, LegPrediction>();
    let model: ReturnType<typeof buildModel>;
    try {
        model = buildModel(objects as KubeObject[], analyzerOptions(objects, nodes));
    } catch (error) {
        const message = `the analyzer cannot read the cluster's objects: ${error instanceof Error ? error.message : String(error)}`;
        for (const leg of legs) result.set(legKey(leg), { error: message });
        return result;
    }
    for (const leg of legs) {
        try {
            const verdict = query(model, { src: leg.src, dst: leg.dst, port: leg.port, protocol: leg.protocol });
            result.set(legKey(leg), { verdict: verdict.allowed ? "allowed" : "blocked", explanation: verdict.reason });
        } catch (error) {
            result.set(legKey(leg), { error: error instanceof Error ? error.message : String(error) });
        }
    }
    return result;
};
