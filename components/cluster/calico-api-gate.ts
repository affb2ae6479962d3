// The projectcalico.org/v3 readiness gate of attached clusters (existing, iks), as a Pulumi
// dynamic resource: no command provider plugin, only @kubernetes/client-node against the
// ambient kubeconfig's context. It waits for the same conditions as the kind gate
// (calico-api.ts): APIService v3.projectcalico.org present, then Available, then
// globalnetworkpolicies.projectcalico.org answering a list (calico#9344, #6803, #7555).
import * as pulumi from "@pulumi/pulumi";
import { CALICO_API_TIMEOUT_SECONDS, CALICO_APISERVICE } from "./calico-api-service";
import { loadKubeContext } from "./kube-context";

export interface CalicoApiGateInputs {
    /** kubeconfig context (empty: the current context). Only the name is kept in state. */
    context: string;
    /** How long create waits in all, in seconds. */
    timeoutSeconds: number;
    /** Pause between two checks, in seconds. */
    pollSeconds: number;
}

/** One check of the gate: undefined when the API is served, else what is still missing. */
export async function calicoApiNotReady(context: string, requestTimeoutMs: number): Promise<string | undefined> {
    const k8s = await import("@kubernetes/client-node");
    const { config } = await loadKubeContext(context);
    const bounded = <T>(request: Promise<T>): Promise<T> => {
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise<never>((_, reject) => {
            timer = setTimeout(() => reject(new Error(`no answer within ${requestTimeoutMs} ms`)), requestTimeoutMs);
        });
        return Promise.race([request, timeout]).finally(() => clearTimeout(timer));
    };
    const reason = (error: unknown) => ((error as { code?: number }).code === 404 ? "not found" : error instanceof Error ? error.message : String(error));
    let available: { status?: string; reason?: string; message?: string } | undefined;
    try {
        const service = await bounded(config.makeApiClient(k8s.ApiregistrationV1Api).readAPIService({ name: CALICO_APISERVICE }));
        available = service.status?.conditions?.find((condition) => condition.type === "Available");
    } catch (error) {
        return `APIService ${CALICO_APISERVICE}: ${reason(error)} (the cluster serves no projectcalico.org/v3 API yet: install the Calico API server, or set calicoApply to calicoctl)`;
    }
    if (available?.status !== "True") {
        return `APIService ${CALICO_APISERVICE} is not Available (${available?.reason ?? "no condition yet"}${available?.message ? `: ${available.message}` : ""}); check the Calico API server`;
    }
    try {
        await bounded(
            config
                .makeApiClient(k8s.CustomObjectsApi)
                .listClusterCustomObject({ group: "projectcalico.org", version: "v3", plural: "globalnetworkpolicies", limit: 1 }),
        );
    } catch (error) {
        return `APIService ${CALICO_APISERVICE} is Available but globalnetworkpolicies.projectcalico.org does not answer (${reason(error)}); check the Calico API server`;
    }
    return undefined;
}

/**
 * Waits until calicoApiNotReady reports nothing, checking every pollSeconds. Throws an Error
 * naming the context, its server and the last missing condition after timeoutSeconds.
 */
export async function waitForCalicoApi(inputs: CalicoApiGateInputs): Promise<void> {
    const { description } = await loadKubeContext(inputs.context);
    const deadline = Date.now() + inputs.timeoutSeconds * 1000;
    const requestTimeoutMs = Math.min(10_000, inputs.timeoutSeconds * 1000);
    for (;;) {
        const missing = await calicoApiNotReady(inputs.context, requestTimeoutMs);
        if (missing === undefined) return;
        if (Date.now() + inputs.pollSeconds * 1000 > deadline) {
            throw new Error(`The Calico API of the cluster at ${description} was not ready within ${inputs.timeoutSeconds} s: ${missing}.`);
        }
        await new Promise((resolve) => setTimeout(resolve, inputs.pollSeconds * 1000));
    }
}

/** The dynamic provider: create waits; a new context replaces (waits on the new cluster); nothing else changes it. */
export const calicoApiGateProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: CalicoApiGateInputs) {
        await waitForCalicoApi(inputs);
        return { id: `calico-api-ready:${inputs.context || "current-context"}`, outs: inputs };
    },
    async diff(_id: string, olds: CalicoApiGateInputs, news: CalicoApiGateInputs) {
        const replaces = olds.context === news.context ? [] : ["context"];
        return { changes: replaces.length > 0, replaces };
    },
};

/** A resource that exists once the projectcalico.org/v3 API of the context's cluster answers. */
export class CalicoApiGate extends pulumi.dynamic.Resource {
    constructor(name: string, args: { context?: string }, opts?: pulumi.CustomResourceOptions) {
        const inputs: CalicoApiGateInputs = { context: args.context ?? "", timeoutSeconds: CALICO_API_TIMEOUT_SECONDS, pollSeconds: 2 };
        super(calicoApiGateProvider, name, inputs, opts, "lab", "CalicoApiGate");
    }
}
