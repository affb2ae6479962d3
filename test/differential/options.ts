// The tier's knobs (environment variables) and the cluster it runs on (the description
// `npm run cluster:up` writes). A bad knob is a usage error: exit 2, one line, no stack.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

export interface Options {
    /** DIFF_SEED: the first scenario's seed; scenario i has seed + i. */
    seed: number;
    /** DIFF_SCENARIOS: how many scenarios. */
    scenarios: number;
    /** DIFF_PARALLEL: probes in flight. */
    parallel: number;
    /** DIFF_SHRINK_TRIALS: deployments the shrinker may spend per disagreement (0: no shrinking). */
    shrinkTrials: number;
    /** DIFF_OUT: where report.json and reproductions/ go. */
    out: string;
    /** DIFF_SCENARIO_FILE: run this scenario (a reproduction's scenario.yaml) instead of generated ones. */
    scenarioFile?: string;
    /** LAB_CLUSTER_ENV: the cluster description. */
    clusterEnv: string;
}

function integer(env: NodeJS.ProcessEnv, name: string, fallback: number, min: number, max: number): number {
    const text = env[name];
    if (text === undefined || text === "") return fallback;
    const value = Number(text);
    if (!Number.isInteger(value) || value < min || value > max) throw new UsageError(`${name}=${text}: expected a whole number from ${min} to ${max}`);
    return value;
}

export function parseOptions(env: NodeJS.ProcessEnv, cwd = process.cwd()): Options {
    const scenarioFile = env.DIFF_SCENARIO_FILE || undefined;
    if (scenarioFile && !fs.existsSync(scenarioFile)) throw new UsageError(`DIFF_SCENARIO_FILE=${scenarioFile}: no such file`);
    return {
        seed: integer(env, "DIFF_SEED", 1, 0, 2 ** 32 - 1),
        scenarios: integer(env, "DIFF_SCENARIOS", 5, 1, 10_000),
        parallel: integer(env, "DIFF_PARALLEL", 6, 1, 64),
        shrinkTrials: integer(env, "DIFF_SHRINK_TRIALS", 20, 0, 1000),
        out: path.resolve(cwd, env.DIFF_OUT || "test/differential/out"),
        ...(scenarioFile ? { scenarioFile: path.resolve(cwd, scenarioFile) } : {}),
        clusterEnv:
            env.LAB_CLUSTER_ENV || path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "calico-zero-trust-lab", "cluster", "cluster.env"),
    };
}

/** What the tier needs of the cluster description (scripts/cluster/up.sh writes cluster.env). */
export interface ClusterDescription {
    kubeconfig: string;
    context: string;
    nodeAddress: string;
    outsideNetns: string;
    probeImage: string;
    podCidr?: string;
    /** Felix's readiness URL and log (a host process nothing restarts: a panic freezes the dataplane). */
    felixReadiness?: string;
    felixLog?: string;
    /** The host endpoint on the node's interface to the world, which a scenario's node side labels. */
    hostEndpoint?: string;
    /** The node's name (CLUSTER_NODE_NAME): the node's listener names it in its answers. */
    nodeName?: string;
}

/** Reads KEY=VALUE lines (values optionally double-quoted), as the shell sources them. */
export function parseEnvFile(text: string): Record<string, string> {
    const values: Record<string, string> = {};
    for (const line of text.split("\n")) {
        const match = /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line.trim());
        if (match) values[match[1]] = match[2].replace(/^"(.*)"$/, "$1");
    }
    return values;
}

export function readClusterDescription(file: string, env: NodeJS.ProcessEnv = process.env): ClusterDescription {
    if (!fs.existsSync(file)) throw new UsageError(`no cluster description at ${file}: is the cluster up? (npm run cluster:up; LAB_CLUSTER_ENV names another)`);
    const values = {
        ...parseEnvFile(fs.readFileSync(file, "utf8")),
        ...Object.fromEntries(Object.entries(env).filter(([key, value]) => key.startsWith("CLUSTER_") && value)),
    } as Record<string, string>;
    const need = (key: string) => {
        if (!values[key]) throw new UsageError(`${file} does not set ${key}: is the cluster up? (npm run cluster:up)`);
        return values[key];
    };
    return {
        kubeconfig: need("CLUSTER_KUBECONFIG"),
        context: need("CLUSTER_CONTEXT"),
        nodeAddress: need("CLUSTER_NODE_ADDRESS"),
        outsideNetns: need("CLUSTER_OUTSIDE_NETNS"),
        probeImage: values.CLUSTER_PROBE_IMAGE || "docker.io/library/busybox:1.36",
        ...(values.CLUSTER_POD_CIDR ? { podCidr: values.CLUSTER_POD_CIDR } : {}),
        ...(values.CLUSTER_FELIX_READINESS ? { felixReadiness: values.CLUSTER_FELIX_READINESS } : {}),
        ...(values.CLUSTER_FELIX_LOG ? { felixLog: values.CLUSTER_FELIX_LOG } : {}),
        ...(values.CLUSTER_HOST_ENDPOINT ? { hostEndpoint: values.CLUSTER_HOST_ENDPOINT } : {}),
        ...(values.CLUSTER_NODE_NAME ? { nodeName: values.CLUSTER_NODE_NAME } : {}),
    };
}
