// Explanation chains for messages: which enforcement point decided, and by which policy rule.
import type { Decision, Verdict } from "../../analysis";

const STAGE_WORDS: Record<Decision["stage"], string> = {
    egress: "egress of",
    ingress: "ingress of",
    hostUntracked: "untracked (doNotTrack) policy at",
    hostUntrackedEgress: "untracked (doNotTrack) egress policy at",
    hostPreDnat: "pre-DNAT policy at",
    hostIngress: "host endpoint policy for the host at",
    hostEgress: "host endpoint egress policy at",
    hostForward: "forwarded-traffic policy at",
    hostForwardEgress: "forwarded-traffic egress policy at",
};

export function describeDecision(decision: Decision): string {
    const where = `${STAGE_WORDS[decision.stage]} ${decision.endpoint}`;
    return decision.reason.includes(decision.endpoint) ? decision.reason : `${where}: ${decision.reason}`;
}

/** The decisions that took part in a verdict, in the order a packet meets them. */
export function chainOf(verdict: Verdict): Decision[] {
    const e = verdict.explanation;
    const chain = [e.egress, ...(e.host ?? [e.hostPreDnat, e.hostForward, e.hostForwardEgress])];
    if (e.paths?.length) chain.push(...e.paths.map((p) => p.ingress));
    else chain.push(e.ingress);
    const seen = new Set<Decision>();
    return chain.filter((d): d is Decision => {
        if (d === undefined || d.decidedBy === "not-enforced" || d.reason === "" || seen.has(d)) return false;
        seen.add(d);
        return true;
    });
}

/** "src -> dst PORT/PROTO: allowed|blocked: because ..." followed by the chain, one step per line. */
export function explainVerdict(verdict: Verdict, indent = "    "): string {
    const steps = dedupeLines(chainOf(verdict).map((d) => describeDecision(d)));
    const outcome = verdict.allowed ? "allowed" : verdict.partial ? "blocked on some paths" : "blocked";
    const head = `${verdict.src} -> ${verdict.dst} ${verdict.port}/${verdict.protocol}: ${outcome}`;
    if (steps.length <= 1) return `${head}: ${steps[0] ?? verdict.reason.replace(/^(allowed|blocked): /, "")}`;
    return [head, ...steps.map((s) => `${indent}- ${s}`)].join("\n");
}

function dedupeLines(lines: string[]): string[] {
    return [...new Set(lines)];
}

/** The rule that decided, as "rule ingress[0] of knp:lab/allow-all". */
export function decidingRule(decision: Decision): string | undefined {
    const step = decision.steps[decision.steps.length - 1];
    if (!step || decision.decidedBy !== "rule") return undefined;
    return `${step.origin} of ${step.policy.id}`;
}
