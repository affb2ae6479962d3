// Runs cluster code (or the whole program) under Pulumi's mocks and records what the engine
// would receive for each resource, including the resource options the stock mocks hide:
// dependencies, parent, deletedWith, additionalSecretOutputs, and which inputs are secret.
import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { MockMonitor } from "@pulumi/pulumi/runtime/mocks";
import { vi } from "vitest";
import { PROJECT_NAME } from "../../config";
import { temporaryDirectory } from "../helpers/temporary";

const SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270";
const SIG_KEY = "4dabf18193072939515e22adb298388d";
export const UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9";

export interface Registered {
    urn: string;
    type: string;
    name: string;
    /** Inputs as plain values (secrets unwrapped). */
    inputs: Record<string, any>;
    /** Input names whose value is marked secret. */
    secretInputs: string[];
    /** Input names whose value is unknown (preview). */
    unknownInputs: string[];
    dependencies: string[];
    parent: string;
    provider: string;
    deletedWith: string;
    additionalSecretOutputs: string[];
    deleteBeforeReplace: boolean;
}

export const FAKE_KUBECONFIG =
    "apiVersion: v1\nkind: Config\nclusters: [{name: kind-calico-lab, cluster: {server: https://127.0.0.1:6443}}]\nusers: [{name: kind-calico-lab, user: {client-key-data: PRIVATE}}]\n";

const isSecret = (value: any) => value !== null && typeof value === "object" && value[SIG_KEY] === SECRET_SIG;
const unwrap = (value: any): any => {
    if (isSecret(value)) return unwrap(value.value);
    if (Array.isArray(value)) return value.map(unwrap);
    if (value !== null && typeof value === "object") return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrap(v)]));
    return value;
};
const containsUnknown = (value: any): boolean =>
    value === UNKNOWN || (value !== null && typeof value === "object" && Object.values(value).some(containsUnknown));

// Dynamic providers are serialized with Pulumi's closure serializer, which cannot see through
// Vitest's module transform. Under the mocks their __provider input is the provider's method
// sources instead; dynamic-providers.test.ts serializes them for real, outside Vitest.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const closure = require("@pulumi/pulumi/runtime/closure/serializeClosure") as {
    serializeFunction: (func: () => unknown) => Promise<{ text: string; containsSecrets: boolean }>;
};
closure.serializeFunction = async (func) => {
    const provider = func() as Record<string, unknown>;
    const methods = Object.entries(provider).filter(([, value]) => typeof value === "function");
    return { text: methods.map(([name, method]) => `${name}: ${String(method)}`).join("\n"), containsSecrets: false };
};

let recorder: Registered[] | undefined;
const originalRegister = MockMonitor.prototype.registerResource;
MockMonitor.prototype.registerResource = function (this: MockMonitor, req: any, callback: (err: any, resp: any) => void) {
    const raw: Record<string, any> = req.getObject()?.toJavaScript() ?? {};
    const entry: Omit<Registered, "urn"> = {
        type: req.getType(),
        name: req.getName(),
        inputs: unwrap(raw),
        secretInputs: Object.keys(raw).filter((key) => isSecret(raw[key])),
        unknownInputs: Object.keys(raw).filter((key) => containsUnknown(raw[key])),
        dependencies: req.getDependenciesList(),
        parent: req.getParent(),
        provider: req.getProvider(),
        deletedWith: req.getDeletedwith(),
        additionalSecretOutputs: req.getAdditionalsecretoutputsList(),
        deleteBeforeReplace: req.getDeletebeforereplace(),
    };
    return originalRegister.call(this, req, (err: any, resp: any) => {
        if (!err && recorder) recorder.push({ urn: resp.getUrn(), ...entry });
        callback(err, resp);
    });
} as typeof originalRegister;

export interface MockOptions {
    preview?: boolean;
}

/** Sets up mocks; in preview the kind cluster's stdout (the kubeconfig) stays unknown. */
export async function useMocks(options: MockOptions = {}): Promise<Registered[]> {
    const registered: Registered[] = [];
    recorder = registered;
    await pulumi.runtime.setMocks(
        {
            newResource: (args) => {
                const state = { ...args.inputs };
                if (args.type === "command:local:Command" && !options.preview) {
                    state.stdout = args.name.endsWith("-cluster") ? FAKE_KUBECONFIG : "";
                }
                return { id: options.preview ? undefined : `${args.name}-id`, state };
            },
            call: (args) => args.inputs,
        },
        PROJECT_NAME,
        "test",
        options.preview ?? false,
    );
    return registered;
}

/** Waits until no new resource has been registered for a while. */
export async function settled(registered: Registered[]): Promise<void> {
    let last = -1;
    let stable = 0;
    while (stable < 5) {
        await new Promise((resolve) => setTimeout(resolve, 5));
        stable = registered.length === last ? stable + 1 : 0;
        last = registered.length;
    }
}

/** Resolves an Output, with whether it is secret and whether it is known. */
export async function inspect<T>(output: pulumi.Output<T>): Promise<{ value: T | undefined; secret: boolean; known: boolean }> {
    const internal = output as any;
    const [value, secret, known] = await Promise.all([internal.promise(true), internal.isSecret, internal.isKnown]);
    return { value, secret, known };
}

/** A directory of stub executables (each records its argv and stdin) to put on PATH. */
export function stubTools(names: string[], scripts: Record<string, string> = {}): { dir: string; log: string } {
    const dir = temporaryDirectory("lab-tools");
    const log = path.join(dir, "calls.log");
    for (const name of names) {
        const file = path.join(dir, name);
        const body = scripts[name] ?? "";
        fs.writeFileSync(file, `#!/bin/sh\nprintf '%s\\n' "${name} $*" >> "${log}"\ncase " $* " in *" - "*) cat > "${dir}/${name}.stdin" ;; esac\n${body}\n`, {
            mode: 0o755,
        });
    }
    return { dir, log };
}

/** Runs index.ts under the mocks with a stack config and a PATH holding only `tools`. */
export async function runLab(config: Record<string, string | number>, options: MockOptions & { tools?: string[] } = {}) {
    const registered = await useMocks(options);
    pulumi.runtime.setAllConfig(Object.fromEntries(Object.entries(config).map(([key, value]) => [`${PROJECT_NAME}:${key}`, String(value)])));
    const previousPath = process.env.PATH;
    process.env.PATH = stubTools(options.tools ?? ["docker", "kind", "kubectl", "calicoctl"]).dir;
    try {
        vi.resetModules();
        const program = await import("../../index");
        await settled(registered);
        return { registered, program };
    } finally {
        process.env.PATH = previousPath;
    }
}

export const PROVIDER = "pulumi:providers:kubernetes";

export const byName = (registered: Registered[], name: string, type?: string): Registered => {
    const found = registered.find((r) => r.name === name && (type === undefined || r.type === type));
    if (!found) throw new Error(`no resource named ${name}; registered: ${registered.map((r) => r.name).join(", ")}`);
    return found;
};
