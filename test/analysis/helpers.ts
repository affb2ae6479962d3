import * as fs from "fs";
import * as path from "path";
import { AnalyzerOptions, buildModel, ClusterModel, parseManifests, Protocol, query, Verdict } from "../../analysis";
import { runCli } from "../../analysis/consumers/cli";

/** The analyzer's CLI run in-process, its output captured: `width` is the terminal's (undefined: the CLI's default). */
export function runCapturing(args: string[], width?: number): { code: ReturnType<typeof runCli>; stdout: string; stderr: string } {
    let stdout = "",
        stderr = "";
    const code = runCli(args, {
        stdout: (t) => {
            stdout += t;
        },
        stderr: (t) => {
            stderr += t;
        },
        ...(width === undefined ? {} : { width }),
    });
    return { code, stdout, stderr };
}

/** A model from inline YAML (the documents of one test). */
export function modelOf(yaml: string, options: AnalyzerOptions = {}): ClusterModel {
    return buildModel(parseManifests(yaml, "test.yaml"), options);
}

export function verdict(model: ClusterModel, src: string, dst: string, portSpec: string | number): Verdict {
    const [port, protocol] = String(portSpec).split("/");
    return query(model, { src, dst, port: /^\d+$/.test(port!) ? Number(port) : port!, ...(protocol ? { protocol: protocol as Protocol } : {}) });
}

export function allowed(model: ClusterModel, src: string, dst: string, port: string | number): boolean {
    return verdict(model, src, dst, port).allowed;
}

/** Namespaces and Deployments: `workloads("lab", {web: {app: "web"}}, ports)` */
export function deployment(
    namespace: string,
    name: string,
    labels: Record<string, string>,
    ports = "[{name: http, containerPort: 8080}]",
    serviceAccount = "default",
): string {
    return `---
apiVersion: apps/v1
kind: Deployment
metadata: {name: ${name}, namespace: ${namespace}}
spec:
  selector: {matchLabels: ${JSON.stringify(labels)}}
  template:
    metadata: {labels: ${JSON.stringify(labels)}}
    spec:
      serviceAccountName: ${serviceAccount}
      containers: [{name: c, image: x, ports: ${ports}}]
`;
}

export function namespace(name: string, labels: Record<string, string> = {}): string {
    return `---
apiVersion: v1
kind: Namespace
metadata: {name: ${name}, labels: ${JSON.stringify(labels)}}
`;
}

/** A small cluster used by many rules: lab/{web,api,db}, other/{client}, kube-system/coredns. */
export const BASE = [
    namespace("lab", { team: "lab" }),
    namespace("other", { team: "other" }),
    deployment("lab", "web", { app: "web", tier: "frontend" }),
    deployment("lab", "api", { app: "api", tier: "backend" }, "[{name: http, containerPort: 8080}, {name: metrics, containerPort: 9090}]", "api-sa"),
    deployment("lab", "db", { app: "db", tier: "backend" }, "[{name: postgres, containerPort: 5432}]"),
    deployment("other", "client", { app: "client" }),
    deployment(
        "kube-system",
        "coredns",
        { "k8s-app": "kube-dns" },
        "[{name: dns, containerPort: 53, protocol: UDP}, {name: dns-tcp, containerPort: 53, protocol: TCP}]",
    ),
].join("");

/** Namespace lab with the Deployment server (port 80, named http): the start of the CLI tests' files. */
export const LAB_SERVER = `
apiVersion: v1
kind: Namespace
metadata: {name: lab}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: server, namespace: lab}
spec:
  selector: {matchLabels: {app: server}}
  template:
    metadata: {labels: {app: server}}
    spec: {containers: [{name: c, image: nginx, ports: [{name: http, containerPort: 80}]}]}
`;

/** The CLI on `${base}---${text}`, written to a new file in `dir`, with `args` and --format json. */
export function analyzeText(dir: string, base: string, text: string, args: string[]): { code: number; stdout: string; stderr: string; file: string } {
    const file = path.join(dir, `case-${Math.random().toString(36).slice(2)}.yaml`);
    fs.writeFileSync(file, `${base}---${text}`);
    let stdout = "",
        stderr = "";
    const code = runCli([file, ...args, "--format", "json"], {
        stdout: (t) => {
            stdout += t;
        },
        stderr: (t) => {
            stderr += t;
        },
    });
    return { code, stdout, stderr, file };
}
