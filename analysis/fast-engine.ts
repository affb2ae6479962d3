/**
 * Workload-to-workload reachability for the matrix, vectorized. Workloads that look the same to
 * policy (namespace, labels, service account, ports, addresses) form one equivalence class; every
 * rule's peer criteria become a bit set over classes, computed once; each class's policy chain
 * is evaluated once per port over all peers at a time with bit-set operations, and classes with the
 * same chain share the result. The per-connection engine ("reference") must agree cell for cell
 * (test/analysis/matrix.test.ts runs both on every scenario).
 */
import { Bits, emptyBits, encodeBits, fullBits, hasBit, setBit, wordsFor } from "./bitset";
import { applicablePolicies } from "./engine";
import type { ClusterModel, Workload } from "./model";
import type { Party } from "./parties";
import type { EntityMatch, Policy, Rule } from "./policies";
import { evaluateConnection } from "./query";
import { entityIdentityMatches, entityPortMatches, portsDependOnDestination, Packet, ruleProtocolMatches } from "./rules";
import type { Direction, Protocol } from "./types";

export interface WorkloadTarget { workload: Workload; port: number; protocol: Protocol; name?: string }

/** For each target, the bit set of `sources` (by index) allowed to connect. */
export function computeWorkloadReachability(model: ClusterModel, sources: Workload[], targets: WorkloadTarget[], engine: "fast" | "reference"): Bits[] {
    return engine === "reference" ? referenceReachability(model, sources, targets) : new FastEngine(model, sources).run(targets);
}

export function referenceReachability(model: ClusterModel, sources: Workload[], targets: WorkloadTarget[]): Bits[] {
    return targets.map((target) => {
        const row = emptyBits(sources.length);
        sources.forEach((source, s) => {
            if (cellByReference(model, source, target)) setBit(row, s);
        });
        return row;
    });
}

function cellByReference(model: ClusterModel, source: Workload, target: WorkloadTarget): boolean {
    return evaluateConnection(model, { kind: "workload", workload: source }, { kind: "workload", workload: target.workload }, target.port, target.protocol).allowed;
}

interface EquivalenceClass { index: number; representative: Workload; party: Party; members: number[] }

const TIER_END = Symbol("tier end");
type ChainStep = Rule | { [TIER_END]: true; pass: boolean };

class FastEngine {
    private readonly classes: EquivalenceClass[] = [];
    private readonly classOfSource: number[];
    private readonly size: number;
    private readonly identityBits = new WeakMap<EntityMatch, Bits>();
    private readonly portBits = new Map<EntityMatch, Map<string, Bits>>();
    private readonly allClasses: Bits;
    private readonly chains = new Map<string, ChainStep[]>();
    private readonly chainKeys: Record<Direction, string[]> = { ingress: [], egress: [] };

    constructor(private readonly model: ClusterModel, private readonly sources: Workload[]) {
        const byKey = new Map<string, EquivalenceClass>();
        this.classOfSource = sources.map((workload, s) => {
            const key = classKey(workload);
            let found = byKey.get(key);
            if (!found) {
                found = { index: this.classes.length, representative: workload, party: { kind: "workload", workload }, members: [] };
                byKey.set(key, found);
                this.classes.push(found);
            }
            found.members.push(s);
            return found.index;
        });
        this.size = this.classes.length;
        this.allClasses = fullBits(this.size);
        for (const direction of ["ingress", "egress"] as const) {
            this.chainKeys[direction] = this.classes.map((c) => this.chainKey(c, direction));
        }
    }

    /** The ordered rules (with tier boundaries) of a class for one direction, shared by classes with the same policies. */
    private chainKey(c: EquivalenceClass, direction: Direction): string {
        if (c.representative.hostNetwork) return "host";
        const policies = applicablePolicies(this.model, { kind: "workload", workload: c.representative }, direction);
        const key = `${direction}|${policies.map((p) => p.ref.id).join(",")}`;
        if (!this.chains.has(key)) this.chains.set(key, this.buildChain(policies, direction));
        return key;
    }

    private buildChain(policies: Policy[], direction: Direction): ChainStep[] {
        const steps: ChainStep[] = [];
        policies.forEach((policy, i) => {
            steps.push(...policy[direction]);
            const next = policies[i + 1];
            if (!next || next.tier !== policy.tier) steps.push({ [TIER_END]: true, pass: this.model.tiers.get(policy.tier)!.defaultAction === "Pass" });
        });
        return steps;
    }

    /** Classes whose identity (labels, namespace, addresses) the entity matches. */
    private identity(entity: EntityMatch): Bits {
        let bits = this.identityBits.get(entity);
        if (!bits) {
            bits = emptyBits(this.size);
            for (const c of this.classes) if (entityIdentityMatches(this.model, entity, c.party)) setBit(bits, c.index);
            this.identityBits.set(entity, bits);
        }
        return bits;
    }

    /** Destination classes whose port criteria match a port (a constant unless named ports or services are involved). */
    private destinationPorts(entity: EntityMatch, port: number, protocol: Protocol): Bits | boolean {
        const probe = (party: Party): boolean => entityPortMatches(this.model, entity, party, { src: party, dst: party, port, protocol }, "destination");
        if (!portsDependOnDestination(entity)) return probe(this.classes[0]!.party);
        let perPort = this.portBits.get(entity);
        if (!perPort) { perPort = new Map(); this.portBits.set(entity, perPort); }
        const key = `${port}/${protocol}`;
        let bits = perPort.get(key);
        if (!bits) {
            bits = emptyBits(this.size);
            for (const c of this.classes) if (probe(c.party)) setBit(bits, c.index);
            perPort.set(key, bits);
        }
        return bits;
    }

    /**
     * Runs a chain over all peers at once: `peers(rule)` gives the peer classes a rule matches (or
     * undefined when it cannot match). Allow/Deny decide, Log continues, Pass and Pass tiers carry
     * on to the next tier, a Deny tier drops what is left; past the last tier the profile allows.
     */
    private evaluateChain(chain: ChainStep[], peers: (rule: Rule) => Bits | undefined): Bits {
        const words = wordsFor(this.size);
        const allowed = new Uint32Array(words);
        let undecided: Bits = this.allClasses.slice();
        let passed: Bits = new Uint32Array(words);
        for (const step of chain) {
            if (TIER_END in step) {
                undecided = step.pass ? orBits(undecided, passed) : passed;
                passed = new Uint32Array(words);
                continue;
            }
            if (step.action === "Log") continue;
            const matched = peers(step);
            if (!matched) continue;
            for (let w = 0; w < words; w++) {
                const hit = matched[w]! & undecided[w]!;
                if (hit === 0) continue;
                undecided[w]! &= ~hit;
                if (step.action === "Allow") allowed[w]! |= hit;
                else if (step.action === "Pass") passed[w]! |= hit;
            }
        }
        for (let w = 0; w < words; w++) allowed[w]! |= undecided[w]! | passed[w]!;
        return allowed;
    }

    /** Source classes allowed in by a destination class's ingress chain on one port. */
    private ingressRow(dst: EquivalenceClass, port: number, protocol: Protocol): Bits {
        const chain = this.chains.get(this.chainKeys.ingress[dst.index]!)!;
        return this.evaluateChain(chain, (rule) => {
            if (!ruleProtocolMatches(rule, protocol) || rule.source.ports !== undefined) return undefined;
            if (!hasBit(this.identity(rule.destination), dst.index)) return undefined;
            const ports = this.destinationPorts(rule.destination, port, protocol);
            if (ports === false || (ports !== true && !hasBit(ports, dst.index))) return undefined;
            return this.identity(rule.source);
        });
    }

    /** Destination classes a source class's egress chain lets out on one port. */
    private egressRow(src: EquivalenceClass, port: number, protocol: Protocol): Bits {
        const chain = this.chains.get(this.chainKeys.egress[src.index]!)!;
        return this.evaluateChain(chain, (rule) => {
            if (!ruleProtocolMatches(rule, protocol) || rule.source.ports !== undefined) return undefined;
            if (!hasBit(this.identity(rule.source), src.index)) return undefined;
            const ports = this.destinationPorts(rule.destination, port, protocol);
            if (ports === false) return undefined;
            const identity = this.identity(rule.destination);
            return ports === true ? identity : andBits(identity, ports);
        });
    }

    run(targets: WorkloadTarget[]): Bits[] {
        const classOfWorkload = new Map<Workload, number>(this.sources.map((w, s) => [w, this.classOfSource[s]!]));
        const portKeys = new Map<string, { port: number; protocol: Protocol; targets: number[] }>();
        targets.forEach((target, t) => {
            const key = `${target.port}/${target.protocol}`;
            const entry = portKeys.get(key) ?? { port: target.port, protocol: target.protocol, targets: [] };
            entry.targets.push(t);
            portKeys.set(key, entry);
        });
        const rows: Bits[] = new Array(targets.length);
        const expanded = new Map<string, Bits>();
        for (const { port, protocol, targets: indexes } of portKeys.values()) {
            // Egress, grouped by chain: which destination classes each group of source classes may reach.
            const egressGroups = new Map<string, { members: number[]; reach?: Bits }>();
            for (const c of this.classes) {
                if (c.representative.hostNetwork) continue;
                const key = this.chainKeys.egress[c.index]!;
                const group = egressGroups.get(key) ?? { members: [] };
                group.members.push(c.index);
                egressGroups.set(key, group);
            }
            const ingressCache = new Map<string, Bits>();
            const reachedBy = new Map<number, Bits>(); // destination class -> source classes whose egress allows it
            for (const group of egressGroups.values()) {
                // Within a group the chain is shared but a rule's source criteria may still differ per class.
                const bySignature = new Map<string, number[]>();
                for (const member of group.members) {
                    const signature = this.egressSignature(this.classes[member]!, protocol);
                    bySignature.set(signature, [...(bySignature.get(signature) ?? []), member]);
                }
                for (const members of bySignature.values()) {
                    const reach = this.egressRow(this.classes[members[0]!]!, port, protocol);
                    for (const t of indexes) {
                        const d = classOfWorkload.get(targets[t]!.workload)!;
                        if (!hasBit(reach, d)) continue;
                        let bits = reachedBy.get(d);
                        if (!bits) { bits = emptyBits(this.size); reachedBy.set(d, bits); }
                        for (const m of members) setBit(bits, m);
                    }
                }
            }
            for (const t of indexes) {
                const target = targets[t]!;
                const d = classOfWorkload.get(target.workload)!;
                const dst = this.classes[d]!;
                let row: Bits;
                if (dst.representative.hostNetwork) {
                    row = emptyBits(this.sources.length);
                    this.sources.forEach((source, s) => { if (cellByReference(this.model, source, target)) setBit(row, s); });
                    rows[t] = row;
                    continue;
                }
                const ingressKey = `${this.chainKeys.ingress[d]}|${this.ingressSignature(dst, port, protocol)}`;
                let inbound = ingressCache.get(ingressKey);
                if (!inbound) { inbound = this.ingressRow(dst, port, protocol); ingressCache.set(ingressKey, inbound); }
                const classRow = andBits(inbound, reachedBy.get(d) ?? emptyBits(this.size));
                row = this.expand(classRow, expanded);
                // Host-network sources are not workload endpoints: ask the reference engine.
                for (const c of this.classes) {
                    if (!c.representative.hostNetwork) continue;
                    for (const s of c.members) if (cellByReference(this.model, this.sources[s]!, target)) setBit(row, s);
                }
                rows[t] = row;
            }
        }
        return rows;
    }

    /** What a destination class changes in its ingress chain: which rules can apply to it on this port. */
    private ingressSignature(dst: EquivalenceClass, port: number, protocol: Protocol): string {
        const chain = this.chains.get(this.chainKeys.ingress[dst.index]!)!;
        let signature = "";
        for (const step of chain) {
            if (TIER_END in step) continue;
            const ports = this.destinationPorts(step.destination, port, protocol);
            const applies = hasBit(this.identity(step.destination), dst.index) && (ports === true || (ports !== false && hasBit(ports, dst.index)));
            signature += applies ? "1" : "0";
        }
        return signature;
    }

    private egressSignature(src: EquivalenceClass, protocol: Protocol): string {
        const chain = this.chains.get(this.chainKeys.egress[src.index]!)!;
        let signature = protocol;
        for (const step of chain) if (!(TIER_END in step)) signature += hasBit(this.identity(step.source), src.index) ? "1" : "0";
        return signature;
    }

    /** A bit set over classes as a bit set over sources (identity when every class has one member in order). */
    private expand(classRow: Bits, cache: Map<string, Bits>): Bits {
        const key = encodeBits(classRow);
        const cached = cache.get(key);
        if (cached) return cached.slice();
        const row = emptyBits(this.sources.length);
        for (let w = 0; w < classRow.length; w++) {
            let word = classRow[w]!;
            while (word !== 0) {
                const low = word & -word;
                const c = (w << 5) + (31 - Math.clz32(low));
                for (const s of this.classes[c]!.members) setBit(row, s);
                word ^= low;
            }
        }
        cache.set(key, row);
        return row.slice();
    }
}

function classKey(workload: Workload): string {
    const labels = Object.keys(workload.labels).sort().map((k) => `${k}=${workload.labels[k]}`).join(",");
    const ports = workload.ports.map((p) => `${p.name ?? ""}:${p.port}/${p.protocol}`).sort().join(",");
    return `${workload.namespace}|${labels}|${workload.serviceAccount}|${ports}|${workload.ips.join(",")}|${workload.hostNetwork}`;
}

function andBits(a: Bits, b: Bits): Bits {
    const out = new Uint32Array(a.length);
    for (let w = 0; w < a.length; w++) out[w] = a[w]! & b[w]!;
    return out;
}

function orBits(a: Bits, b: Bits): Bits {
    const out = new Uint32Array(a.length);
    for (let w = 0; w < a.length; w++) out[w] = a[w]! | b[w]!;
    return out;
}

export type { Packet };
