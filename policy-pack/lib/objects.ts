// Pulumi resources <-> the plain Kubernetes / Calico objects the analyzer reads.
// A Kubernetes resource's type token is `kubernetes:<group>/<version>:<Kind>` (`core/v1` for the
// core group); Calico objects created as CustomResources use their apiVersion as is
// (`kubernetes:projectcalico.org/v3:GlobalNetworkPolicy`), so types are matched as strings.
import { types } from "node:util";
import { parse } from "yaml";
import type { KubeObject } from "../../analysis";

/** What the policies need of a Pulumi resource (PolicyResource and ResourceValidationArgs both fit). */
export interface ResourceLike {
    type: string;
    name: string;
    urn: string;
    props: Record<string, any>;
}

const urns = new WeakMap<object, string>();

/** The URN of the Pulumi resource an object came from, when it came from one. */
export function urnOf(object: object | undefined): string | undefined {
    return object ? urns.get(object) : undefined;
}

/** Component and wrapper types whose children are registered (and judged) individually. */
const WRAPPER_TYPES = /^kubernetes:(helm\.sh\/v\d+:(Chart|Release)|yaml(\/v2)?:Config(File|Group)|kustomize(\/v2)?:Directory)$/;

export function isKubernetesType(type: string): boolean {
    return type.startsWith("kubernetes:") && !WRAPPER_TYPES.test(type);
}

/** `kubernetes:core/v1:Service` -> { apiVersion: "v1", kind: "Service" }. */
export function apiOfType(type: string): { apiVersion: string; kind: string } | undefined {
    const match = /^kubernetes:(.+):([A-Za-z0-9]+)$/.exec(type);
    if (!match) return undefined;
    const apiVersion = match[1]!.startsWith("core/") ? match[1]!.slice("core/".length) : match[1]!;
    return { apiVersion, kind: match[2]! };
}

/** `{apiVersion: "v1", kind: "Service"}` -> `kubernetes:core/v1:Service`. */
export function typeOfObject(object: { apiVersion: string; kind: string }): string {
    const apiVersion = object.apiVersion.includes("/") ? object.apiVersion : `core/${object.apiVersion}`;
    return `kubernetes:${apiVersion}:${object.kind}`;
}

/**
 * Resource properties as plain data: unwraps policy Secrets, drops the provider's bookkeeping
 * (`__inputs`). Parts that are plain data already are shared, not copied (most of a stack: copying
 * every map and list of 10,000 resources was a tenth of the pack's time); nothing downstream writes
 * into them. Every value is still read, so touching a value unknown during preview throws
 * UnknownValueError, which the policy server reports as "can't run policy during preview".
 * The policy server hands every resource's props wrapped in @pulumi/policy's unknownCheckingProxy
 * (server.js), whose every read returns a new Proxy: such a value is copied, never shared, so that
 * a map read twice is the same map (the analyzer's API defaults find a field's parents by identity).
 */
function plain(value: unknown): unknown {
    if (Array.isArray(value)) {
        let out: unknown[] | undefined = Object.getPrototypeOf(value) === Array.prototype && !types.isProxy(value) ? undefined : [];
        for (let i = 0; i < value.length; i++) {
            const item: unknown = value[i];
            const copy = plain(item);
            if (copy !== item && !out) out = value.slice(0, i);
            out?.push(copy);
        }
        return out ?? value;
    }
    if (value !== null && typeof value === "object") {
        const record = value as Record<string, unknown>;
        const prototype = Object.getPrototypeOf(record);
        const isPlain = (prototype === Object.prototype || prototype === null) && !types.isProxy(record);
        // @pulumi/policy's Secret wraps the value (a plain map's constructor is Object, unless it has a key of that name).
        if ((!isPlain || Object.hasOwn(record, "constructor")) && record.constructor?.name === "Secret" && "value" in record) return plain(record.value);
        let out: Record<string, unknown> | undefined = isPlain ? undefined : {};
        const keys = Object.keys(record);
        for (let i = 0; i < keys.length; i++) {
            const key = keys[i]!;
            if (key.startsWith("__")) {
                out ??= copyOf(record, keys, i);
                continue;
            }
            const item = record[key];
            const copy = plain(item);
            if (copy !== item) out ??= copyOf(record, keys, i);
            if (out) out[key] = copy;
        }
        return out ?? value;
    }
    return value;
}

/** The entries of `record` before `keys[end]`, without the bookkeeping ones. */
function copyOf(record: Record<string, unknown>, keys: string[], end: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    for (let i = 0; i < end; i++) if (!keys[i]!.startsWith("__")) out[keys[i]!] = record[keys[i]!];
    return out;
}

const originals = new WeakMap<object, KubeObject>();

/** A resource standing for a plain object (policy:check, tests); its URN is the object's description. */
export function resourceOfObject(object: KubeObject, urn = describe(object)): ResourceLike {
    const resource = { type: typeOfObject(object), name: object.metadata.name, urn, props: object };
    originals.set(object, object);
    urns.set(object, urn);
    return resource;
}

/** The object a Kubernetes resource declares, or undefined for non-Kubernetes resources. */
export function objectOfResource(resource: ResourceLike): KubeObject | undefined {
    const original = originals.get(resource.props);
    if (original) return original;
    if (resource.type === CALICOCTL_COMMAND) return calicoctlDocument(resource);
    if (!isKubernetesType(resource.type)) return undefined;
    const api = apiOfType(resource.type);
    if (!api) return undefined;
    const { status: _status, ...props } = plain(resource.props ?? {}) as Record<string, any>;
    const metadata = { ...(props.metadata ?? {}) };
    // Auto-named resources get their name from the provider; before that the Pulumi name stands in.
    if (typeof metadata.name !== "string" || metadata.name === "") metadata.name = resource.name;
    const object = { ...props, apiVersion: props.apiVersion ?? api.apiVersion, kind: props.kind ?? api.kind, metadata } as KubeObject;
    if (resource.urn) urns.set(object, resource.urn);
    return object;
}

/**
 * Where the Calico API server is absent (IKS), the program applies Calico documents with calicoctl:
 * a command resource whose stdin is the document. The policies judge that document like any other.
 */
export const CALICOCTL_COMMAND = "command:local:Command";
const CALICO_API_VERSIONS = ["projectcalico.org/v3", "crd.projectcalico.org/v1"];

function calicoctlDocument(resource: ResourceLike): KubeObject | undefined {
    const stdin = resource.props?.stdin;
    if (typeof stdin !== "string") return undefined;
    let document: any;
    try {
        document = parse(stdin);
    } catch {
        return undefined; // not YAML: some other command
    }
    if (!document || !CALICO_API_VERSIONS.includes(document.apiVersion) || typeof document.kind !== "string" || typeof document.metadata?.name !== "string")
        return undefined;
    const object = plain(document) as KubeObject;
    if (resource.urn) urns.set(object, resource.urn);
    return object;
}

const converted = new WeakMap<readonly ResourceLike[], KubeObject[]>();

/** The Kubernetes objects of a stack (computed once per resource list). */
export function objectsOfResources(resources: readonly ResourceLike[]): KubeObject[] {
    const cached = converted.get(resources);
    if (cached) return cached;
    const objects = resources.map(objectOfResource).filter((object): object is KubeObject => object !== undefined);
    converted.set(resources, objects);
    return objects;
}

/** "Kind namespace/name", the way messages name an object. */
export function describe(object: { kind: string; metadata: { name: string; namespace?: string } }): string {
    const { namespace, name } = object.metadata;
    return `${object.kind} ${namespace ? `${namespace}/` : ""}${name}`;
}
