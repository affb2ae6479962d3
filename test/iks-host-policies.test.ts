// Seed 001 ("Calico on IKS") claims, answered by the analyzer on an iks stack: the program's objects as
// the iks mode renders them (the lockdown selects ibm.role == 'worker_public') plus baseline/iks.yaml,
// IBM's host endpoints and default policies. Each claim names the policy or failsafe rule that must
// decide it; a failure prints every claim, expected vs observed. docs/iks.md tells the same story.
import { describe, expect, it } from "vitest";
import { buildModel, ClusterModel, query, stoppedAt, Verdict } from "../analysis";
import { baselineObjects, flowChecksAt } from "../scenarios/helloworld/flows";
import { STAGES } from "../scenarios/helloworld/stages";
import { RENDER, runProgram } from "./helpers/program";

const NAMESPACE = "zero-trust-lab";
const CONTEXT = { namespace: NAMESPACE, nodePorts: { helloworld: 30080, "helloworld-proxy": 30081 } };
const IKS = { ...RENDER, hostEndpointSelector: "ibm.role == 'worker_public'" };
const WORLD = "external:203.0.113.10";
const PUBLIC = "node:lab-node/eth1";

async function iksModel(stage: number, mode: "iks" | "kind" = "iks"): Promise<ClusterModel> {
    const run = await runProgram({ ...(mode === "iks" ? IKS : RENDER), stage });
    return buildModel([...baselineObjects(STAGES[stage], mode), ...(run.kubernetesObjects as any[])]);
}

interface Claim {
    claim: string;
    stage: number;
    src: string;
    dst: string;
    port: number | "ICMP";
    allowed: boolean;
    decidedBy: string;
}

/** Seed 001, claim by claim; `decidedBy` is what the verdict's reason must name. */
const CLAIMS: Claim[] = [
    {
        claim: "SSH by way of the public interface is blocked (no policy allows it, no failsafe port on IKS)",
        stage: 0,
        src: WORLD,
        dst: PUBLIC,
        port: 22,
        allowed: false,
        decidedBy:
            "denied at the end of tier default: gnp:allow-icmp, gnp:allow-node-port-dnat, gnp:allow-vrrp, gnp:allow-bigfix-port, gnp:allow-sys-mgmt select ingress of hostendpoint:lab-node-worker-public",
    },
    {
        claim: "allow-icmp: incoming pings are allowed",
        stage: 0,
        src: WORLD,
        dst: PUBLIC,
        port: "ICMP",
        allowed: true,
        decidedBy: "allowed by gnp:allow-icmp ingress[0]",
    },
    {
        claim: "allow-node-port-dnat: NodePort traffic to the pods is allowed",
        stage: 2,
        src: WORLD,
        dst: `nodeport:${NAMESPACE}/helloworld`,
        port: 30080,
        allowed: true,
        decidedBy: "allowed by gnp:allow-node-port-dnat ingress[0]",
    },
    {
        claim: "lockdown: the helloworld NodePort is dropped at the public interface before DNAT",
        stage: 5,
        src: WORLD,
        dst: `nodeport:${NAMESPACE}/helloworld`,
        port: 30080,
        allowed: false,
        decidedBy: `denied by gnp:${NAMESPACE}-nodeport-lockdown ingress[0]`,
    },
    {
        claim: "lockdown: the proxy's NodePort stays open",
        stage: 5,
        src: WORLD,
        dst: `nodeport:${NAMESPACE}/helloworld-proxy`,
        port: 30081,
        allowed: true,
        decidedBy: "allowed by gnp:allow-node-port-dnat ingress[0]",
    },
    {
        claim: "allow-all-outbound: the worker may connect out",
        stage: 0,
        src: PUBLIC,
        dst: "external:1.1.1.1",
        port: 443,
        allowed: true,
        decidedBy: "allowed by gnp:allow-all-outbound egress[0]",
    },
    {
        claim: "the kubelet port is closed on the public interface (allow-kubelet-port is in the 2018 docs only)",
        stage: 0,
        src: WORLD,
        dst: PUBLIC,
        port: 10250,
        allowed: false,
        decidedBy: "denied at the end of tier default",
    },
    {
        claim: "allow-sys-mgmt: IBM's management systems may connect",
        stage: 0,
        src: "external:198.51.100.7",
        dst: PUBLIC,
        port: 22,
        allowed: true,
        decidedBy: "allowed by gnp:allow-sys-mgmt ingress[0]",
    },
    {
        claim: "SSH is available on the private interface",
        stage: 0,
        src: "external:10.0.0.99",
        dst: "node:lab-node",
        port: 22,
        allowed: true,
        decidedBy: "allowed by gnp:allow-all-private-default ingress[0]",
    },
    {
        claim: "the private interface is open outbound",
        stage: 0,
        src: "node:lab-node",
        dst: "external:10.0.0.99",
        port: 8080,
        allowed: true,
        decidedBy: "allowed by gnp:allow-all-private-default egress[0]",
    },
];

function ask(model: ClusterModel, claim: Claim): Verdict {
    return query(model, { src: claim.src, dst: claim.dst, port: claim.port, ...(claim.port === "ICMP" ? { protocol: "ICMP" as const } : {}) });
}

describe("seed 001 on an iks stack", () => {
    it("answers every claim with the policy that decides it", async () => {
        const models = new Map<number, ClusterModel>();
        const rows: string[] = [];
        for (const claim of CLAIMS) {
            if (!models.has(claim.stage)) models.set(claim.stage, await iksModel(claim.stage));
            const verdict = ask(models.get(claim.stage)!, claim);
            const ok = verdict.allowed === claim.allowed && verdict.reason.includes(claim.decidedBy);
            rows.push(
                `${ok ? "  " : "XX"} stage ${claim.stage} ${claim.claim}: expected ${claim.allowed ? "Y" : "n"} (${claim.decidedBy}) observed ${verdict.allowed ? "Y" : "n"}: ${verdict.reason}`,
            );
        }
        expect(
            rows.filter((row) => row.startsWith("XX")),
            `\n${rows.join("\n")}\n`,
        ).toEqual([]);
    });

    it.each(STAGES.map((stage) => [stage.number, stage.name] as const))("keeps the lab's truth table at stage %i (%s)", async (number) => {
        const model = await iksModel(number);
        const rows = flowChecksAt(STAGES[number], CONTEXT).map((check) => {
            const observed = check.legs.every((leg) => query(model, leg).allowed);
            return `${(check.expected === "allowed") === observed ? "  " : "XX"} ${check.description}: expected ${check.expected} observed ${observed ? "allowed" : "blocked"}`;
        });
        expect(
            rows.filter((row) => row.startsWith("XX")),
            `\n${rows.join("\n")}\n`,
        ).toEqual([]);
    });

    it("stops a pod's packet to a NodePort where it is stopped: at the pod on IKS (a named interface it never crosses), at the host on kind (the '*' endpoint)", async () => {
        const flow = { src: "lab-neighbour/probe", dst: `nodeport:${NAMESPACE}/helloworld`, port: 30080 };
        expect(stoppedAt(query(await iksModel(5), flow))).toBe(`at ${NAMESPACE}/helloworld's ingress`);
        expect(stoppedAt(query(await iksModel(5, "kind"), flow))).toBe("at the host, before DNAT (preDNAT policy of hostendpoint:lab-node-auto-hep)");
    });
});
