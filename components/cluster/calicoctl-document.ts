// Calico documents through calicoctl on attached clusters (existing, iks), as a Pulumi dynamic
// resource: no command provider plugin. calicoctl runs with the document on stdin against the
// Kubernetes datastore (DATASTORE_TYPE=kubernetes), with a private kubeconfig holding only the
// context (kube-context.ts). Semantics:
// - create and update: `calicoctl apply -f -` (create-or-replace of the whole document);
// - a document of another kind, name or namespace, or another context, is another object:
//   replace (the new one is applied first, then the old one deleted);
// - delete: `calicoctl delete --skip-not-exists -f -` with the document as it was applied.
import { spawn } from "child_process";
import * as pulumi from "@pulumi/pulumi";
import { parse, stringify } from "yaml";
import type { CalicoResourceFactory } from "../zero-trust-policy";
import { loadKubeContext, withContextKubeconfigFile } from "./kube-context";

export interface CalicoctlDocumentInputs {
    /** kubeconfig context (empty: the current context). Only the name is kept in state. */
    context: string;
    /** The Calico document (projectcalico.org/v3), as YAML. */
    document: string;
    /** Bound on each calicoctl run, in seconds. */
    timeoutSeconds: number;
}

export const CALICOCTL_TIMEOUT_SECONDS = 120;

/** `<kind>/<namespace>/<name>` (no namespace part for cluster-wide kinds): the object's identity. */
export function calicoDocumentId(document: string): string {
    const { kind, metadata } = parse(document) as { kind?: string; metadata?: { name?: string; namespace?: string } };
    return [kind, metadata?.namespace, metadata?.name].filter(Boolean).join("/");
}

/**
 * Runs `calicoctl <args>` with the document on stdin. Resolves with stdout; throws an Error naming
 * the object, the context and calicoctl's own message when it fails, is missing or exceeds the timeout.
 */
export async function runCalicoctl(args: string[], inputs: CalicoctlDocumentInputs): Promise<string> {
    const context = await loadKubeContext(inputs.context);
    const what = `calicoctl ${args.join(" ")} (${calicoDocumentId(inputs.document)}, ${context.description})`;
    return withContextKubeconfigFile(
        context,
        (kubeconfig) =>
            new Promise<string>((resolve, reject) => {
                const child = spawn("calicoctl", args, {
                    env: { ...process.env, KUBECONFIG: kubeconfig, DATASTORE_TYPE: "kubernetes" },
                    stdio: ["pipe", "pipe", "pipe"],
                });
                let stdout = "";
                let stderr = "";
                const timer = setTimeout(() => {
                    child.kill("SIGKILL");
                    reject(new Error(`${what} did not finish within ${inputs.timeoutSeconds} s`));
                }, inputs.timeoutSeconds * 1000);
                child.stdout.on("data", (chunk) => {
                    stdout += chunk;
                });
                child.stderr.on("data", (chunk) => {
                    stderr += chunk;
                });
                child.on("error", (error: NodeJS.ErrnoException) => {
                    clearTimeout(timer);
                    reject(new Error(error.code === "ENOENT" ? `${what}: calicoctl is not on PATH` : `${what}: ${error.message}`));
                });
                child.on("close", (code) => {
                    clearTimeout(timer);
                    if (code === 0) resolve(stdout);
                    else reject(new Error(`${what} failed (exit ${code}): ${(stderr || stdout).trim()}`));
                });
                child.stdin.end(inputs.document);
            }),
    );
}

export const calicoctlDocumentProvider: pulumi.dynamic.ResourceProvider = {
    async create(inputs: CalicoctlDocumentInputs) {
        await runCalicoctl(["apply", "-f", "-"], inputs);
        return { id: calicoDocumentId(inputs.document), outs: inputs };
    },
    async diff(_id: string, olds: CalicoctlDocumentInputs, news: CalicoctlDocumentInputs) {
        const replaces = [
            ...(olds.context === news.context ? [] : ["context"]),
            ...(calicoDocumentId(olds.document) === calicoDocumentId(news.document) ? [] : ["document"]),
        ];
        return { changes: replaces.length > 0 || olds.document !== news.document, replaces };
    },
    async update(_id: string, _olds: CalicoctlDocumentInputs, news: CalicoctlDocumentInputs) {
        await runCalicoctl(["apply", "-f", "-"], news);
        return { outs: news };
    },
    async delete(_id: string, olds: CalicoctlDocumentInputs) {
        await runCalicoctl(["delete", "--skip-not-exists", "-f", "-"], olds);
    },
};

/** One Calico document, applied with calicoctl to the context's cluster. */
export class CalicoctlDocument extends pulumi.dynamic.Resource {
    constructor(name: string, args: { context?: string; document: object }, opts?: pulumi.CustomResourceOptions) {
        const inputs: CalicoctlDocumentInputs = { context: args.context ?? "", document: stringify(args.document), timeoutSeconds: CALICOCTL_TIMEOUT_SECONDS };
        super(calicoctlDocumentProvider, name, inputs, opts, "lab", "CalicoctlDocument");
    }
}

/** Calico documents of an attached cluster, one CalicoctlDocument each. */
export function calicoctlDocumentFactory(context: string | undefined): CalicoResourceFactory {
    return (resourceName, document, opts) => {
        // The document is not a Kubernetes object here: the Kubernetes provider does not apply.
        const { provider: _kubernetesProvider, ...documentOpts } = opts;
        return new CalicoctlDocument(resourceName, { context, document }, documentOpts);
    };
}
