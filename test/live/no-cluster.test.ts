// No cluster, or not the right one: verify says so before any network call, and never probes a
// context the stack did not name. An API server that accepts connections and never answers
// ends the run with exit 2 naming the server, within the request timeout.
import * as fs from "fs";
import * as net from "net";
import type { AddressInfo, Socket } from "net";
import * as path from "path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_REQUEST_TIMEOUT_MS, KubeClusterApi } from "../../live/cluster";
import { EnvironmentError, loadKubeConfig } from "../../live/kubeconfig";
import { stackKubeconfigSource } from "../../live/stack-kubeconfig";
import { readIntent } from "../../live/readback";
import { backendUrl, pulumiFailure, stackOpenError } from "../../live/workspace";
import { temporaryDirectory } from "../helpers/temporary";
import { runScript } from "./run-script";

function kubeconfigWith(server: string, extra = ""): string {
    const file = path.join(temporaryDirectory("kubeconfig"), "config");
    fs.writeFileSync(
        file,
        [
            "apiVersion: v1",
            "kind: Config",
            "current-context: lab",
            `clusters: [{name: lab, cluster: {server: '${server}'${extra}}}]`,
            "users: [{name: lab, user: {token: t0k3n-0f-the-lab-user}}]",
            "contexts: [{name: lab, context: {cluster: lab, user: lab}}, {name: other, context: {cluster: lab, user: lab}}]",
        ].join("\n"),
    );
    return file;
}

/** Accepts every connection and never answers: the API server of the hang. */
const silent: Socket[] = [];
const silentServer = net.createServer((socket) => {
    silent.push(socket);
});
beforeAll(() => new Promise<void>((resolve) => silentServer.listen(0, "127.0.0.1", resolve)));
afterAll(async () => {
    for (const socket of silent) socket.destroy();
    await new Promise<void>((resolve) => silentServer.close(() => resolve()));
});

describe("which cluster a stack names", () => {
    it("a render-mode stack has no cluster to verify: said before anything is contacted, whatever ~/.kube/config holds", () => {
        expect(() => stackKubeconfigSource({ name: "docs", mode: "render" })).toThrow(EnvironmentError);
        expect(() => stackKubeconfigSource({ name: "docs", mode: "render" }, "kind-calico-lab")).toThrow(
            /stack docs renders manifests \(cluster: render\): there is no cluster to verify/,
        );
    });

    it("a kind stack is reached with its own kubeconfig output; without one (never deployed) there is no fallback to the current context", () => {
        expect(stackKubeconfigSource({ name: "dev", mode: "kind", kubeconfig: "apiVersion: v1" })).toEqual({
            text: "apiVersion: v1",
            origin: "stack dev's kubeconfig output",
        });
        expect(() => stackKubeconfigSource({ name: "dev", mode: "kind" })).toThrow(
            /stack dev \(cluster: kind\) has no kubeconfig output: .*does not fall back to another cluster/,
        );
    });

    it("iks and existing stacks use the context their config names (or the current one, as the program did); --context is the user naming one", () => {
        expect(stackKubeconfigSource({ name: "staging", mode: "iks", kubeconfigContext: "lab-iks" })).toMatchObject({ context: "lab-iks" });
        expect(stackKubeconfigSource({ name: "mine", mode: "existing" })).toMatchObject({ context: undefined });
        expect(stackKubeconfigSource({ name: "dev", mode: "kind", kubeconfig: "x" }, "kind-other")).toMatchObject({ context: "kind-other" });
    });
});

describe("a stack that cannot be opened", () => {
    // What the Automation API throws for `pulumi stack select` (its message starts "code: -2 stdout: ...").
    const automationError = (stderr: string): Error => {
        const { CommandResult, createCommandError } = require("@pulumi/pulumi/automation") as {
            CommandResult: new (...args: unknown[]) => unknown;
            createCommandError(result: unknown): Error;
        };
        return createCommandError(new CommandResult("", stderr, -2, new Error(`Command failed with exit code 6\n${stderr}`)));
    };

    it("a missing stack is named with the backend and what to do, not the Automation API's `code: -2`", () => {
        const error = automationError("error: no stack named 'dev' found\n");
        expect(error.message).toMatch(/^code: -2/);
        const message = stackOpenError("dev", error, "nothing was deployed there (npm run lab -- --stack dev)").message;
        expect(message).toBe(`stack dev does not exist in ${backendUrl()}: nothing was deployed there (npm run lab -- --stack dev)`);
    });

    it("a failed pulumi command is named as one types it: no --event-log tcp://..., no stdout/stderr dump", () => {
        const { CommandResult, createCommandError } = require("@pulumi/pulumi/automation") as {
            CommandResult: new (...args: unknown[]) => unknown;
            createCommandError(result: unknown): Error;
        };
        const command = "pulumi preview --exec-kind auto.local --event-log tcp://127.0.0.1:37015 --stack local-render --non-interactive";
        const error = createCommandError(
            new CommandResult(
                "Previewing update (local-render):",
                "error: preview failed",
                1,
                new Error(`Command failed with exit code 1: ${command}\nerror: preview failed`),
            ),
        );
        expect(error.message).toContain("--event-log tcp://");
        expect(pulumiFailure(error)).toBe("`pulumi preview --stack local-render` failed (its errors are above)");
        expect(pulumiFailure(new Error("stack dev does not exist"))).toBe("stack dev does not exist");
    });

    it("any other failure keeps Pulumi's own error line", () => {
        const error = automationError("error: failed to decrypt: incorrect passphrase\n");
        expect(stackOpenError("dev", error, "unused").message).toBe(`cannot open stack dev (${backendUrl()}): failed to decrypt: incorrect passphrase`);
    });
});

describe("loading the kubeconfig, before any network call", () => {
    it("no kubeconfig at all is named as such (not the client's fallback to http://localhost:8080)", () => {
        const home = temporaryDirectory("home");
        expect(() => loadKubeConfig({ origin: "your kubeconfig" }, {}, home)).toThrow(
            `no kubeconfig found: KUBECONFIG is unset and ${path.join(home, ".kube", "config")} does not exist`,
        );
        expect(() => loadKubeConfig({ origin: "your kubeconfig" }, { KUBECONFIG: "/nonexistent/a:/nonexistent/b" }, home)).toThrow(
            "no kubeconfig found: KUBECONFIG names /nonexistent/a, /nonexistent/b, and none exists",
        );
    });

    it("a context that is not in the kubeconfig is refused with the contexts there are", () => {
        const file = kubeconfigWith("https://127.0.0.1:6443");
        expect(() => loadKubeConfig({ context: "kind-calico-lab", origin: "your kubeconfig" }, { KUBECONFIG: file })).toThrow(
            "context kind-calico-lab is not in your kubeconfig (contexts: lab, other)",
        );
        expect(loadKubeConfig({ context: "other", origin: "your kubeconfig" }, { KUBECONFIG: file }).getCurrentContext()).toBe("other");
    });

    it("credentials in the server URL are refused, and the message shows the URL without them", () => {
        const file = kubeconfigWith("https://admin:pa55-in-the-url@127.0.0.1:1");
        let message = "";
        try {
            loadKubeConfig({ origin: "your kubeconfig" }, { KUBECONFIG: file });
        } catch (error) {
            message = (error as Error).message;
        }
        expect(message).toContain("the server URL https://<redacted>@127.0.0.1:1 carries credentials");
        expect(message).not.toContain("pa55-in-the-url");
        expect(message).not.toContain("admin");
    });

    it("plain http without insecure-skip-tls-verify is explained, not left to the client's message", () => {
        expect(() => loadKubeConfig({ origin: "your kubeconfig" }, { KUBECONFIG: kubeconfigWith("http://localhost:8080") })).toThrow(
            /server http:\/\/localhost:8080 is plain http.*then no kubeconfig was found/,
        );
    });
});

describe("an API server that never answers", () => {
    it("every request has a deadline: the call fails naming the server, it does not hang", async () => {
        const port = (silentServer.address() as AddressInfo).port;
        const cluster = new KubeClusterApi(
            loadKubeConfig({ origin: "test" }, { KUBECONFIG: kubeconfigWith(`http://127.0.0.1:${port}`, ", insecure-skip-tls-verify: true") }),
            { requestTimeoutMs: 200 },
        );
        const started = Date.now();
        await expect(readIntent(cluster, ["zero-trust-lab"])).rejects.toThrow(
            `the API server lab (http://127.0.0.1:${port}) did not answer within 0.2 s (list ConfigMap (v1) in zero-trust-lab)`,
        );
        // Its own deadline, not the default one (however slow the machine, it is far below that).
        expect(Date.now() - started).toBeLessThan(DEFAULT_REQUEST_TIMEOUT_MS);
    });

    it("npm run verify ends with exit 2 and the server's name, within --request-timeout", async () => {
        const port = (silentServer.address() as AddressInfo).port;
        const run = await runScript("verify", ["--no-stack", "--namespace", "zero-trust-lab", "--request-timeout", "0.5"], {
            KUBECONFIG: kubeconfigWith(`http://127.0.0.1:${port}`, ", insecure-skip-tls-verify: true"),
        });
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toContain(`verify: the API server lab (http://127.0.0.1:${port}) did not answer within 0.5 s`);
    }, 180_000);

    it("npm run verify with a password in the server URL: exit 2 before any call, the password printed nowhere", async () => {
        const run = await runScript("verify", ["--no-stack", "--namespace", "zero-trust-lab"], {
            KUBECONFIG: kubeconfigWith("https://admin:pa55-in-the-url@127.0.0.1:1"),
        });
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toContain("https://<redacted>@127.0.0.1:1");
        expect(`${run.stdout}${run.stderr}`).not.toContain("pa55-in-the-url");
    }, 180_000);
});
