/** Public API of the connectivity analyzer. Imports nothing from Pulumi. */
export type { KubeObject, Labels, Protocol, Direction, Action } from "./types";
export { AnalysisInputError } from "./errors";
export type { InputLocation } from "./errors";
export { parseManifests, loadManifests, originOf } from "./manifests";
export { buildModel, serviceBackends } from "./model";
export type { AnalyzerOptions, AutoHostEndpointOptions, ClusterModel, Workload, Service, HostEndpoint, Namespace } from "./model";
export type { Policy, PolicyRef, Rule, Tier } from "./policies";
export { parseCalicoSelector, matchesLabels, SelectorSyntaxError } from "./selectors/calico";
export type { CalicoSelector, SelectorNode } from "./selectors/calico";
export { parseKubeSelector, matchesKubeSelector } from "./selectors/kubernetes";
export { query, parseEndpoint, parsePortSpec } from "./query";
export type { Query, Verdict, Explanation, NodePortPath } from "./query";
export type { Decision, DecisionStep, Stage } from "./engine";
export { connectivityMatrix, matrixAllows, matrixCells, allowedFlows, allowedSources, DEFAULT_EXTERNAL_SOURCE, DEFAULT_EXTERNAL_DESTINATIONS } from "./matrix";
export type { Matrix, MatrixTarget, MatrixOptions, Flow, MatrixCell } from "./matrix";
export { diffMatrices } from "./diff";
export type { MatrixDiff } from "./diff";
