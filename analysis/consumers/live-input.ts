/**
 * `analyze --kubeconfig FILE [--context NAME]`: a running cluster as the analyzer's input, read by
 * the live tools' reader (live/cluster-objects.ts, the one `npm run verify` reads back with). Loaded
 * only when asked for (cli.ts imports it on demand), so that reading files never loads the
 * Kubernetes client.
 */
import { KubeClusterApi, ListForbiddenError } from "../../live/cluster";
import { readClusterObjects } from "../../live/cluster-objects";
import { errorText } from "../../live/error-text";
import { EnvironmentError } from "../../live/kubeconfig";
import { AnalysisInputError } from "../errors";
import { withOrigin } from "../input/manifests";
import { calicoRelease } from "../model/calico-releases";
import type { KubeObject } from "../types";

export interface LiveSource {
    /** The kubeconfig file (kubectl's --kubeconfig). */
    kubeconfig: string;
    /** One of its contexts (kubectl's --context); default: its current context. */
    context?: string;
    /** Longest wait for one API request. */
    requestTimeoutMs: number;
    /** Read the ClusterInformation for the release the cluster runs (not when --calico-version names one). */
    release: boolean;
    /** Items per page of a list (tests make it small). */
    listPageSize?: number;
    /** The staged policies are previewed (`--staged`): a staged kind the credentials may not list stops the reading. */
    staged?: boolean;
}

export interface LiveInput {
    objects: KubeObject[];
    /** `cluster <context> (<server>)`, credentials redacted: where the objects come from, in messages. */
    origin: string;
    /** The Calico release the cluster runs (its ClusterInformation), when asked for. */
    calicoVersion?: string;
    /** What the reading left out or could not tell, for `warning:` lines. */
    warnings: string[];
}

/**
 * Reads the cluster `source` names, every list bounded by `requestTimeoutMs` and read page by page.
 * Shape: `{ objects, origin, calicoVersion?, warnings }`, objects marked as coming from `origin`.
 * @throws AnalysisInputError (exit 2), never naming a credential: no kubeconfig or context, an
 *   unreachable or silent API server, a kind the credentials may not list that verdicts need, a
 *   cluster without a ClusterInformation when the release is asked for, or one naming a release the
 *   analyzer does not model, any other refusal.
 */
export async function readLiveInput(source: LiveSource): Promise<LiveInput> {
    let cluster: KubeClusterApi | undefined;
    try {
        cluster = KubeClusterApi.fromSource(
            { file: source.kubeconfig, context: source.context, origin: source.kubeconfig },
            { requestTimeoutMs: source.requestTimeoutMs, ...(source.listPageSize ? { listPageSize: source.listPageSize } : {}) },
        );
        const origin = `cluster ${cluster.describe()}`;
        const read = await readClusterObjects(cluster, { release: source.release, staged: source.staged ?? false });
        if (source.release && !read.calicoVersion)
            throw new AnalysisInputError(
                `no ClusterInformation "default" with spec.calicoVersion (${read.calicoSource}): the Calico release to judge by is unknown; name it with --calico-version`,
                { file: origin },
            );
        if (read.calicoVersion) {
            try {
                calicoRelease(read.calicoVersion, `the cluster's ClusterInformation (${origin})`);
            } catch (error) {
                if (!(error instanceof AnalysisInputError)) throw error;
                throw new AnalysisInputError(`${error.message}; --calico-version judges the cluster as a release that is`);
            }
        }
        const warnings = [...read.warnings, ...(read.calicoSource.startsWith("no Calico") ? [`${origin}: ${read.calicoSource}`] : [])];
        return {
            objects: read.objects.map((object) => withOrigin(object as KubeObject, { file: origin })),
            origin,
            ...(read.calicoVersion ? { calicoVersion: read.calicoVersion } : {}),
            warnings: warnings.map((warning) => cluster!.redactor.text(warning)),
        };
    } catch (error) {
        if (error instanceof AnalysisInputError) throw error;
        const where = cluster ? `cluster ${cluster.describe()}` : source.kubeconfig;
        const redact = (text: string) => cluster?.redactor.text(text) ?? text;
        // No kubeconfig or context, an unreachable or silent API server (ClusterUnreachableError is one).
        if (error instanceof EnvironmentError) throw new AnalysisInputError(redact(error.message));
        if (error instanceof ListForbiddenError) throw new AnalysisInputError(`${error.message} (ask for list on it, or judge files instead)`, { file: where });
        throw new AnalysisInputError(`cannot read the cluster: ${redact(errorText(error))}`, { file: where });
    }
}
