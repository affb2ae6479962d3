// The echo truth table as analyzer queries, in the same FlowCheck shape as every scenario's.
import type { KubeObject } from "../../../analysis";
import {
    BASELINE_FILE,
    FlowCheck,
    INTERNET_ADDRESS,
    KUBE_DNS_WORKLOAD,
    OTHER_NAMESPACE_WORKLOAD,
    readObjects,
    WORLD_ADDRESS,
} from "../../../scenarios/common/flows";
import { ECHO_EXPECTED_FLOWS, ECHO_NAMESPACE, EchoEndpoint, EchoStage } from "./stages";

const ENDPOINTS: Record<EchoEndpoint, string> = {
    echo: `${ECHO_NAMESPACE}/echo`,
    "echo-nodeport": `nodeport:${ECHO_NAMESPACE}/echo`,
    world: `external:${WORLD_ADDRESS}`,
    internet: `external:${INTERNET_ADDRESS}`,
    "kube-dns": KUBE_DNS_WORKLOAD,
    "other-namespace": OTHER_NAMESPACE_WORKLOAD,
};

export function echoFlowChecksAt(stage: EchoStage): FlowCheck[] {
    return ECHO_EXPECTED_FLOWS.flatMap((flow): FlowCheck[] => {
        const expected = flow.expected[stage.number];
        if (expected === "-") return [];
        const legs = flow.legs.map((leg) => ({ src: ENDPOINTS[leg.from], dst: ENDPOINTS[leg.to], port: leg.port, protocol: leg.protocol }));
        return [{ id: flow.id, description: flow.description, expected: expected === "Y" ? "allowed" : "blocked", legs }];
    });
}

/** Nothing beyond the lab's baseline (kube-dns, a neighbour namespace). */
export function echoBaseline(): KubeObject[] {
    return readObjects(BASELINE_FILE);
}
