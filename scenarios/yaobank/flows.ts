// Turns the yaobank expected flows (stages.ts) into connection queries in the analyzer's
// vocabulary (`<namespace>/<workload>`, `external:<ip>`, `nodeport:<namespace>/<service>`),
// the same FlowCheck shape the helloworld stacks declare, so the policy pack and live
// verification read both scenarios alike.
import * as fs from "fs";
import * as path from "path";
import type { KubeObject } from "../../analysis";
import { readYamlDocuments } from "../../analysis/input/yaml-reader";
import type { Connection } from "../../analysis";
import { BASELINE_FILE, FlowCheck, INTERNET_ADDRESS, KUBE_DNS_WORKLOAD, OTHER_NAMESPACE_WORKLOAD, WORLD_ADDRESS } from "../common/flows";
import {
    Expectation,
    YAOBANK_APPS,
    YAOBANK_WORKLOADS,
    YaobankApp,
    YaobankEndpoint,
    YaobankExpectedFlow,
    YaobankFlowLeg,
    YaobankStage,
    yaobankExpectationsAt,
} from "./stages";

/** The add-ons of a kind cluster that default-app-policy must leave alone (see baseline.yaml). */
export const YAOBANK_BASELINE_FILE = path.join(__dirname, "baseline.yaml");
export const LOCAL_PATH_PROVISIONER_WORKLOAD = "local-path-storage/local-path-provisioner";
/** The API server as pods reach it after kube-proxy's DNAT: the kind control-plane node. */
export const KUBE_APISERVER_ADDRESS = "172.18.0.2";

export function workloadName(app: YaobankApp): string {
    return `${YAOBANK_WORKLOADS[app].namespace}/${app}`;
}

export function endpointName(endpoint: YaobankEndpoint): string {
    if ((YAOBANK_APPS as readonly string[]).includes(endpoint)) return workloadName(endpoint as YaobankApp);
    switch (endpoint) {
        case "customer-nodeport":
            return `nodeport:${workloadName("customer")}`;
        case "world":
            return `external:${WORLD_ADDRESS}`;
        case "internet":
            return `external:${INTERNET_ADDRESS}`;
        case "kube-dns":
            return KUBE_DNS_WORKLOAD;
        case "other-namespace":
            return OTHER_NAMESPACE_WORKLOAD;
        case "local-path-provisioner":
            return LOCAL_PATH_PROVISIONER_WORKLOAD;
        case "kube-apiserver":
            return `external:${KUBE_APISERVER_ADDRESS}`;
        default:
            throw new Error(`unknown yaobank endpoint ${endpoint}`);
    }
}

export function toQuery(leg: YaobankFlowLeg): Connection {
    return { src: endpointName(leg.from), dst: endpointName(leg.to), port: leg.port, protocol: leg.protocol };
}

function toCheck(flow: YaobankExpectedFlow, expected: Expectation): FlowCheck | undefined {
    if (expected === "-") return undefined;
    return { id: flow.id, description: flow.description, expected: expected === "Y" ? "allowed" : "blocked", legs: flow.legs.map(toQuery) };
}

/** The stage's applicable rows of the yaobank truth table, as analyzer queries. */
export function yaobankFlowChecksAt(stage: YaobankStage): FlowCheck[] {
    return yaobankExpectationsAt(stage)
        .map(({ flow, expected }) => toCheck(flow, expected))
        .filter((check): check is FlowCheck => check !== undefined);
}

/** The pre-existing objects the yaobank flows name: the lab's baseline plus kind's add-ons. */
export function yaobankBaselineText(): string {
    return `${fs.readFileSync(BASELINE_FILE, "utf8").trimEnd()}\n---\n${fs.readFileSync(YAOBANK_BASELINE_FILE, "utf8")}`;
}

export function yaobankBaselineObjects(): KubeObject[] {
    return readYamlDocuments(yaobankBaselineText(), "yaobank baseline")
        .map((document) => document.value as KubeObject)
        .filter(Boolean);
}
