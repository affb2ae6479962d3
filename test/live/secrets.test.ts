// No credential of the kubeconfig leaves verify, in any report format, the recorded result or
// the progress lines. The kubeconfig is seeded with every credential kind a kubeconfig can hold;
// the current user authenticates with an exec plugin (whose token exists only at run time), and
// a misbehaving probe tool prints every one of the secrets, so they reach the report's text
// unless they are removed (the report then shows <redacted> where they were).
import { generateKeyPairSync, randomBytes } from "crypto";
import * as fs from "fs";
import { afterEach, describe, expect, it } from "vitest";
import { loadGraphviz } from "../../analysis";
import { KubeClusterApi, type NodeInfo, type PlainObject } from "../../live/cluster";
import { labReportHtml } from "../../live/html-report";
import { stageReport } from "../../live/stage-report";
import { findStage } from "../../scenarios/helloworld/stages";
import { REDACTED } from "../../live/redact";
import { formatResult, REPORT_FORMATS } from "../../live/report";
import { recordOf, saveRecord } from "../../live/results";
import { verifyStage } from "../../live/verify";
import { temporaryDirectory } from "../helpers/temporary";
import { busyboxExec, FAST, labCluster, labDataPlane, LabCluster, NAMESPACE } from "./lab-cluster";

let cluster: LabCluster | undefined;
afterEach(async () => {
    await cluster?.close();
    cluster = undefined;
});

const keyPem = generateKeyPairSync("ec", { namedCurve: "P-256" }).privateKey.export({ type: "sec1", format: "pem" }).toString();
const certPem = `-----BEGIN CERTIFICATE-----\n${randomBytes(96).toString("base64")}\n-----END CERTIFICATE-----\n`;
const EXEC_TOKEN = "exec-plugin-issued-token-5d2c91";

/** Every credential the kubeconfig below holds, as it would be printed. */
const SECRETS = {
    token: "bearer-token-secret-0a9f3e",
    password: "basic-password-secret-77ab",
    basicHeader: Buffer.from("admin:basic-password-secret-77ab").toString("base64"),
    clientKeyData: Buffer.from(keyPem).toString("base64"),
    clientKey: keyPem.trim(),
    clientCertData: Buffer.from(certPem).toString("base64"),
    serverUrlPassword: "cluster-url-password-5c1d",
    execArg: "--exec-arg-secret-2b7e19",
    execEnv: "exec-env-secret-8d41c0",
    execOutput: EXEC_TOKEN,
    oidcClientSecret: "oidc-client-secret-4e2a",
    oidcIdToken: "oidc-id-token-secret-9c3d",
    oidcRefreshToken: "oidc-refresh-token-61f0",
};

/** An exec credential plugin (client.authentication.k8s.io/v1) that issues EXEC_TOKEN. */
const PLUGIN = `process.stdout.write(JSON.stringify({ apiVersion: "client.authentication.k8s.io/v1", kind: "ExecCredential", status: { token: ${JSON.stringify(EXEC_TOKEN)}, expirationTimestamp: "2999-01-01T00:00:00Z" } }))`;

function seededKubeconfig(port: number): string {
    return JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        "current-context": "fake",
        clusters: [
            { name: "fake", cluster: { server: `http://127.0.0.1:${port}`, "insecure-skip-tls-verify": true } },
            { name: "elsewhere", cluster: { server: `https://ops:${SECRETS.serverUrlPassword}@10.0.0.1:6443` } },
        ],
        users: [
            {
                name: "exec-user",
                user: {
                    exec: {
                        apiVersion: "client.authentication.k8s.io/v1",
                        command: process.execPath,
                        args: ["-e", PLUGIN, "--", SECRETS.execArg],
                        env: [{ name: "LAB_PLUGIN_SECRET", value: SECRETS.execEnv }],
                        interactiveMode: "Never",
                    },
                },
            },
            { name: "token-user", user: { token: SECRETS.token } },
            { name: "basic-user", user: { username: "admin", password: SECRETS.password } },
            { name: "cert-user", user: { "client-certificate-data": SECRETS.clientCertData, "client-key-data": SECRETS.clientKeyData } },
            {
                name: "oidc-user",
                user: {
                    "auth-provider": {
                        name: "oidc",
                        config: {
                            "client-id": "lab",
                            "client-secret": SECRETS.oidcClientSecret,
                            "id-token": SECRETS.oidcIdToken,
                            "refresh-token": SECRETS.oidcRefreshToken,
                            "idp-issuer-url": "https://issuer.example",
                        },
                    },
                },
            },
        ],
        contexts: [
            { name: "fake", context: { cluster: "fake", user: "exec-user" } },
            { name: "elsewhere", context: { cluster: "elsewhere", user: "token-user" } },
        ],
    });
}

/** Each secret, and its first 16 characters (a cut secret is still a leak). */
function leaks(text: string): string[] {
    return Object.entries(SECRETS).flatMap(([kind, secret]) => [secret, secret.slice(0, 16)].filter((s) => text.includes(s)).map((s) => `${kind}: ${s}`));
}

describe("credentials never leave verify", () => {
    it("no report format, recorded result or progress line carries a credential of a kubeconfig holding every kind", async () => {
        cluster = await labCluster("allow-proxy", labDataPlane(4));
        const plane = busyboxExec(cluster.podIPs, labDataPlane(4));
        // A probe tool that prints a secret (the next one each time), then fails: its output is
        // the probe's detail in every report. helloworld's probe pod runs more execs than there are secrets.
        const secrets = Object.values(SECRETS);
        let printed = 0;
        cluster.kube.options.exec = (request) =>
            request.pod.metadata.labels?.app === "helloworld" ? { exitCode: 1, stderr: `${secrets[printed++ % secrets.length]}\n` } : plane(request);
        const api = KubeClusterApi.fromKubeconfigText(seededKubeconfig(cluster.kube.port));
        const lines: string[] = [];
        let readBack: { objects: PlainObject[]; nodes: NodeInfo[] } | undefined;
        const result = await verifyStage(api, {
            namespace: NAMESPACE,
            stack: "dev",
            ...FAST,
            log: (line) => lines.push(line),
            onReadBack: (objects, nodes) => {
                readBack = { objects, nodes };
            },
        });
        // verify --html: the stage's page, drawn of the result and the objects read back.
        await loadGraphviz();
        const page = stageReport({
            stage: findStage("allow-proxy")!,
            current: readBack!.objects,
            nodes: readBack!.nodes,
            checks: result.plan.flows.map((f) => f.check),
            verification: result,
        });
        const html = labReportHtml(
            { title: "t", scenario: "helloworld", stack: "dev", mode: "live", generatedAt: result.finishedAt, stages: [page] },
            { isLabNamespace: () => true },
        );

        // The secrets did reach the output (they were replaced there), and the exec plugin ran.
        expect(printed).toBeGreaterThanOrEqual(secrets.length);
        expect(JSON.stringify(result)).toContain(REDACTED);
        const directory = temporaryDirectory("verifications");
        const outputs: Record<string, string> = {
            ...Object.fromEntries(REPORT_FORMATS.map((format) => [format, formatResult(result, format)])),
            "table (color)": formatResult(result, "table", true),
            record: fs.readFileSync(saveRecord(directory, recordOf("dev", result)), "utf8"),
            html,
            "html data": JSON.stringify(page),
            progress: lines.join("\n"),
            describe: api.describe(),
        };
        expect(Object.keys(outputs)).toEqual(expect.arrayContaining(["table", "json", "junit"]));
        for (const [format, text] of Object.entries(outputs)) expect(leaks(text), format).toEqual([]);
        expect(outputs.table).toContain(REDACTED);
        expect(outputs.junit).toContain("&lt;redacted&gt;");
    });
});
