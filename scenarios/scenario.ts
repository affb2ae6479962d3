// The contract every scenario fulfils: what the program, the lab runner, verify, the probe
// planner, promotion and the tests ask of a lab. A scenario is a folder under scenarios/ with
// its config.ts, stages.ts, flows.ts, outputs.ts, program.ts and an index.ts that gives this
// record; scenarios/registry.ts lists them. Nothing outside a scenario's folder names it.
import type * as pulumi from "@pulumi/pulumi";
import type { KubeObject } from "../analysis";
import type { PolicyDocument } from "../components/zero-trust-documents";
import type { ConfigKey, Flavor, RawConfigReader } from "../config";
import type { FlowCheck } from "./common/flows";
import type { IntentVerdict } from "./common/outputs";
import type { Expectation, StageRow } from "./common/stages";

/** One row of a scenario's truth table: Y / n / - for each stage, indexed by stage number. */
export interface TruthTableRow {
    id: string;
    description: string;
    expected: readonly Expectation[];
}

/** What `pulumi up` of any scenario exports (index.ts), the same names for all. */
export interface ScenarioOutputs {
    stage: { number: number; name: string; adds: string; scenario?: string };
    flavor: Flavor;
    /** The lab's namespace, or its namespaces when it has several. */
    labNamespace: pulumi.Input<string> | pulumi.Input<string[]>;
    /** The Deployments that exist at the stage. */
    workloads: pulumi.Input<string>[];
    /** Commands a user runs to try the stage by hand. */
    tryIt: Record<string, string | undefined>;
    /** The stage's column of the truth table, in order: "<n> <flow>" -> allowed / blocked (common/outputs.ts intentTable). */
    zeroTrustIntent: Record<string, IntentVerdict>;
    /** The stage's flows as analyzer queries (also in the zero-trust-intent ConfigMap). */
    flowQueries: FlowCheck[];
    policyDocuments: pulumi.Output<PolicyDocument[]>;
    /** Only when the program made the cluster itself (kind). */
    kubeconfig: pulumi.Output<string> | undefined;
}

/** An HTTP request from outside to a NodePort, as the scenario's own lab makes it. */
export interface EdgeRequest {
    method: "GET" | "POST";
    /** Path on the node, e.g. /api/messages. */
    path: string;
    /** A JSON body (POST only). */
    body?: Record<string, string>;
    /** The response proves the call worked when its body includes this ("" for any 2xx). */
    expectBodyIncludes: string;
}

/** How live verification observes a scenario's flows that enter through a NodePort. */
export interface EdgeCalls {
    /** The request that observes a NodePort from outside. `sender` names the caller where the lab's API takes one. */
    nodePort(sender: string): EdgeRequest;
    /**
     * The end-to-end request of a flow that enters at a NodePort and ends at a workload inside
     * (world -> proxy -> helloworld): `target` is the last leg's workload (its Service's name) and port.
     */
    endToEnd(sender: string, target: { service: string; port: number }): EdgeRequest;
}

/** An image key that promotion pins by digest and copies to the next stack. */
export interface PromotedImage {
    key: string;
    /** The workload running it (`<workload>/<container>` keys of the verification's image digests). */
    workload: string;
    /** The first stage at which the workload exists. */
    fromStage: number;
    /** An image key this one falls back to when unset (the proxy runs the app's image). */
    defaultsTo?: string;
}

/**
 * One lab. `Config` is what its parseConfig returns and its program takes; `Row` its stage rows.
 * (Methods, not function properties: a registry of scenarios with different Config types is then
 * one `readonly Scenario[]`.)
 */
export interface Scenario<Config = unknown, Row extends StageRow = StageRow> {
    /** The `scenario` config value that selects it. */
    readonly name: string;
    /** The stage table, in order from 0. */
    readonly stages: readonly Row[];
    /** The truth table, row by row. */
    readonly expectedFlows: readonly TruthTableRow[];
    /** The config keys only this scenario reads (Pulumi.yaml declares every scenario's). */
    readonly configKeys: Readonly<Record<string, ConfigKey>>;
    /** The stack config keys a `npm run lab -- --render` walk copies into its throw-away stack. */
    readonly renderKeys: readonly string[];
    /** Image keys that promotion pins and moves (none: promotion moves the stage only). */
    readonly promotedImages: readonly PromotedImage[];
    readonly edge: EdgeCalls;

    /** Validates a stack's configuration, the stage read against this scenario's table. @throws ConfigError */
    parseConfig(read: RawConfigReader): Config;
    /** The Pulumi program: registers the stage's resources and returns the stack outputs. */
    program(config: Config): ScenarioOutputs;
    /**
     * The stage's expected flows as analyzer queries, from the stack's raw config (keys without
     * the project prefix; unset keys take their defaults), without running the program.
     */
    flowChecksAt(stage: Row, config: Record<string, string | undefined>): FlowCheck[];
    /** The pre-existing objects its flows name; given a stage, with what the cluster adds for it. */
    baseline(stage?: Row): KubeObject[];
    /** Whether a namespace can only be this scenario's (verify without a stack recognises it so). */
    ownsNamespace(namespace: string): boolean;
}
