// What every scenario's flows are made of: the flow check (a named expectation over one or more
// connections, docs/glossary.md) in the analyzer's vocabulary (`<namespace>/<workload>`, `external:<ip>`, `nodeport:<namespace>/<service>`),
// the endpoints outside any scenario (the world, the internet, kube-dns, a neighbour namespace),
// and the cluster baseline they name (baseline/cluster.yaml; on IKS also baseline/iks.yaml).
import * as fs from "fs";
import * as path from "path";
import type { KubeObject } from "../../analysis";
import { readYamlDocuments } from "../../analysis/input/yaml-reader";

/** An address outside the cluster that stands for "the world" (TEST-NET-3, RFC 5737). */
export const WORLD_ADDRESS = "203.0.113.10";
/** A public address that stands for "the internet" (Cloudflare DNS, reachable on 443). */
export const INTERNET_ADDRESS = "1.1.1.1";
export const BASELINE_FILE = path.join(__dirname, "..", "..", "baseline", "cluster.yaml");
/** An IKS worker's host endpoints and IBM's default host policies (seed 001), part of every stage on IKS. */
export const IKS_BASELINE_FILE = path.join(__dirname, "..", "..", "baseline", "iks.yaml");
export const KUBE_DNS_WORKLOAD = "kube-system/coredns";
export const OTHER_NAMESPACE_WORKLOAD = "lab-neighbour/probe";

export type { FlowCheck } from "./intent";

/** The objects of a multi-document YAML file, empty documents dropped. */
export function readObjects(file: string): KubeObject[] {
    return readYamlDocuments(fs.readFileSync(file, "utf8"), file)
        .map((document) => document.value as KubeObject)
        .filter(Boolean);
}
