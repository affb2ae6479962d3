// Tools each cluster mode needs, checked before anything runs, with how to install what is missing.
import { spawnSync } from "child_process";
import * as os from "os";
import * as path from "path";
import type { ClusterMode } from "../config";

export interface Tool {
    name: string;
    /** Command that succeeds when the tool is usable. */
    check: string[];
    why: string;
    install: string;
}

const TOOLCHAIN_ENV = path.join(os.homedir(), ".cache", "calico-zero-trust-lab", "toolchain", "env.sh");

export const TOOLS: Record<string, Tool> = {
    pulumi: { name: "pulumi", check: ["pulumi", "version"], why: "runs the program (Automation API drives the CLI)", install: `curl -fsSL https://get.pulumi.com | sh, or build it from source with scripts/toolchain.sh and \`source ${TOOLCHAIN_ENV}\`` },
    docker: { name: "docker", check: ["docker", "info", "--format", "{{.ServerVersion}}"], why: "kind runs the cluster's nodes as containers (a running Docker engine, not only the client)", install: "https://docs.docker.com/engine/install/ (then start the engine: sudo systemctl start docker)" },
    kind: { name: "kind", check: ["kind", "version"], why: "creates the local cluster", install: "go install sigs.k8s.io/kind@v0.29.0, or https://kind.sigs.k8s.io/docs/user/quick-start/#installation" },
    kubectl: { name: "kubectl", check: ["kubectl", "version", "--client"], why: "the program and the lab's try-it commands use it", install: "https://kubernetes.io/docs/tasks/tools/#kubectl" },
};

export const TOOLS_BY_MODE: Record<ClusterMode, string[]> = {
    kind: ["pulumi", "docker", "kind", "kubectl"],
    iks: ["pulumi", "kubectl"],
    existing: ["pulumi", "kubectl"],
    render: ["pulumi"],
};

export interface Missing { tool: Tool; error: string }

export type Runner = (command: string[]) => { ok: boolean; output: string };

export const runCommand: Runner = (command) => {
    const result = spawnSync(command[0], command.slice(1), { encoding: "utf8", timeout: 15_000 });
    if (result.error) return { ok: false, output: (result.error as NodeJS.ErrnoException).code === "ENOENT" ? "not found on PATH" : result.error.message };
    return { ok: result.status === 0, output: `${result.stdout ?? ""}${result.stderr ?? ""}`.trim().split("\n")[0] ?? "" };
};

export function missingTools(mode: ClusterMode, run: Runner = runCommand): Missing[] {
    return TOOLS_BY_MODE[mode].map((name) => TOOLS[name]).flatMap((tool) => {
        const result = run(tool.check);
        return result.ok ? [] : [{ tool, error: result.output || "failed" }];
    });
}

export function formatMissing(mode: ClusterMode, missing: Missing[]): string {
    return [
        `cluster mode ${mode} needs: ${TOOLS_BY_MODE[mode].join(", ")}. Missing or not working:`,
        ...missing.map(({ tool, error }) => `  - ${tool.name} (${tool.why}): ${error}\n    install: ${tool.install}`),
        mode === "kind" ? "  (no Docker engine? `npm run lab -- --render` shows every stage's manifests and predicted matrix without a cluster)" : "",
    ].filter(Boolean).join("\n");
}
