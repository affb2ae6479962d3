// The yaobank scenario (scenarios/scenario.ts): Tigera's Calico security track, a three-tier bank
// in three namespaces locked down by the track's policies (docs/yaobank.md).
import type { Scenario } from "../scenario";
import { parseYaobankConfig, YAOBANK_CONFIG_KEYS, YaobankConfig } from "./config";
import { yaobankBaselineObjects, yaobankFlowChecksAt } from "./flows";
import { yaobankProgram } from "./program";
import { YAOBANK_EXPECTED_FLOWS, YAOBANK_NAMESPACE_PREFIX, YAOBANK_STAGES, YaobankStage } from "./stages";

/** The customer page, the track's own check (tryIt.webUi): the customer renders it from summary, which reads the database, so a 2xx page means the chain works. */
const CUSTOMER_PAGE = { method: "GET", path: "/", expectBodyIncludes: "" } as const;

export const yaobank: Scenario<YaobankConfig, YaobankStage> = {
    name: "yaobank",
    stages: YAOBANK_STAGES,
    expectedFlows: YAOBANK_EXPECTED_FLOWS,
    configKeys: YAOBANK_CONFIG_KEYS,
    renderKeys: ["flavor", "yaobankImages"],
    // yaobankImages is one pattern for three images: no digest pins all three, so the stage moves alone.
    promotedImages: [],
    edge: {
        nodePort: () => CUSTOMER_PAGE,
        endToEnd: () => CUSTOMER_PAGE,
    },
    parseConfig: parseYaobankConfig,
    program: yaobankProgram,
    flowChecksAt: (stage) => yaobankFlowChecksAt(stage),
    baseline: () => yaobankBaselineObjects(),
    ownsNamespace: (namespace) => namespace.startsWith(YAOBANK_NAMESPACE_PREFIX),
};
