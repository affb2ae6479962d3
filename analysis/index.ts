/** Public API of the connectivity analyzer. Imports nothing from Pulumi. */
export type { KubeObject, Labels, Protocol, Direction, Action, Connection } from "./types";
export { AnalysisInputError } from "./errors";
export type { InputLocation } from "./errors";
export { parseManifests, loadManifests, originOf } from "./input/manifests";
export { buildModel, kindSupport } from "./model/model";
export { serviceBackends } from "./model/services";
export { calicoRelease, CALICO_VERSION_HELP, DEFAULT_CALICO_VERSION, inSpans, KIND_ROWS, kindRow, STAGED_SINCE, TIER_ROWS } from "./model/calico-releases";
export { enforceStaged, enforcedPolicyId, isStaged, stagedActionOf } from "./model/staged";
export type { StagedAction, StagedChange } from "./model/staged";
export type { CalicoRelease } from "./model/calico-releases";
export type { AnalyzerOptions, AutoHostEndpointOptions, ClusterModel, Workload, Service, HostEndpoint, Namespace } from "./model/model-types";
export type { Policy, PolicyRef, Rule, Tier } from "./model/policies";
export { parseCalicoSelector, matchesLabels, SelectorSyntaxError } from "./selectors/calico";
export type { CalicoSelector, SelectorNode } from "./selectors/calico";
export { parseKubeSelector, parseKubeSelectorText, matchesKubeSelector } from "./selectors/kubernetes";
export { query, endpointAllows, endpointDecision, parseEndpoint, parsePortSpec, podToPodAllows } from "./engine/query";
export { parseEndpointName } from "./endpoint-names";
export type { EndpointName } from "./endpoint-names";
export type { Query, Verdict, Explanation, NodePortPath } from "./engine/query";
export type { Decision, DecisionStep, Stage } from "./engine/engine";
export {
    connectivityMatrix,
    matrixAllows,
    matrixCells,
    allowedFlows,
    allowedSources,
    DEFAULT_EXTERNAL_SOURCE,
    DEFAULT_EXTERNAL_DESTINATIONS,
} from "./consumers/matrix";
export type { Matrix, MatrixTarget, MatrixOptions, MatrixCell } from "./consumers/matrix";
export { diffMatrices } from "./consumers/diff";
export type { ChangedFlow, ExplainedDiff, MatrixDiff } from "./consumers/diff";
export { explainDiff } from "./consumers/diff-reasons";
export type { DiffSide } from "./consumers/diff-reasons";
export { endpointPolicies } from "./consumers/endpoint-policies";
export { previewStaged } from "./consumers/staged-preview";
export type { StagedPolicyChange, StagedPreview } from "./consumers/staged-preview";
export { checkFocus, endpointShown, focusedWorkloads, focusMatrix, parseFocus } from "./consumers/focus";
export type { Focus, FocusFilters } from "./consumers/focus";
export type { AppliedPolicy, EndpointPolicies, EndpointStage, EndpointTier } from "./consumers/endpoint-policies";
export { connectivityClasses } from "./consumers/classes";
export type { ConnectivityClasses } from "./consumers/classes";
export { formatVerdict, stoppedAt, verdictLine } from "./consumers/output/verdict-text";
export { collect, connectionsPicture, diffPicture, loadGraphviz, matrixPicture, renderSvg, writeDot } from "./consumers/output";
export type { DiffMatrices, EdgeMark, MarkedConnection, Picture } from "./consumers/output";
