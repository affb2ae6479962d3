/**
 * Workload-to-workload reachability for the matrix, vectorized. Workloads that look the same to
 * policy (namespace, labels, service account, ports, addresses) form one equivalence class; every
 * rule's peer criteria become a bit set over classes, computed once; each class's policy chain
 * is evaluated once per port over all peers at a time with bit-set operations, and classes with the
 * same chain share the result. The per-connection engine ("reference") must agree cell for cell
 * (test/analysis/matrix.test.ts runs both on every scenario).
 */
import { Bits, emptyBits, fullBits, hasBit, setBit, wordsFor } from "./bitset";
import { IndexSet, IndexSetInterner } from "./index-set";
import { applicablePolicies } from "./engine";
import type { ClusterModel, Workload } from "../model/model-types";
import { identitiesOf, Party } from "./parties";
import type { EntityMatch, Policy, Rule } from "../model/policies";
import { evaluateConnection } from "./query";
import { entityIdentityMatches, entityPortMatches, matchesNamespaceSelector, portsDependOnDestination, Packet, ruleProtocolMatches } from "./rules";
import type { Direction, Protocol } from "../types";

/**
 * How ingress is judged per destination: "auto" picks by cost; tests force each way to check that
 * both agree with the per-connection engine.
 */
export const ingressTuning: { oneByOne: "auto" | "always" | "never" } = { oneByOne: "auto" };

export interface WorkloadTarget {
    workload: Workload;
    port: number;
    protocol: Protocol;
    name?: string;
}

/** For each target, the set of `sources` (by index) allowed to connect; equal sets are one shared object. */
export function computeWorkloadReachability(model: ClusterModel, sources: Workload[], targets: WorkloadTarget[], engine: "fast" | "reference"): IndexSet[] {
    return engine === "reference" ? referenceReachability(model, sources, targets) : new FastEngine(model, sources).run(targets);
}

export function referenceReachability(model: ClusterModel, sources: Workload[], targets: WorkloadTarget[]): IndexSet[] {
    const distinctRows = new IndexSetInterner();
    return targets.map((target) => {
        const allowed: number[] = [];
        sources.forEach((source, s) => {
            if (cellByReference(model, source, target)) allowed.push(s);
        });
        return distinctRows.intern(IndexSet.fromSorted(allowed, sources.length));
    });
}

function cellByReference(model: ClusterModel, source: Workload, target: WorkloadTarget): boolean {
    return evaluateConnection(model, { kind: "workload", workload: source }, { kind: "workload", workload: target.workload }, target.port, target.protocol)
        .allowed;
}

/** Above this many reaching sources, a destination's row is looked up by what it is computed from before it is computed. */
const SHARED_ROW_SOURCES = 64;

interface PreparedRule {
    step: ChainStep;
    local?: IndexSet;
    peers?: IndexSet;
}

/** The destination classes an egress chain lets out: always as bits, and as a list when the chain allowed only listed members. */
interface EgressRow {
    bits: Bits;
    list?: number[];
}

interface EquivalenceClass {
    index: number;
    representative: Workload;
    party: Party;
    members: number[];
}

const TIER_END = Symbol("tier end");
let nextBitsId = 1;
type ChainStep = Rule | { [TIER_END]: true; pass: boolean };

class FastEngine {
    private readonly classes: EquivalenceClass[] = [];
    private readonly classOfSource: number[];
    private readonly size: number;
    private readonly identityBits = new Map<EntityMatch, IndexSet>();
    private readonly identityByContent = new Map<string, IndexSet>();
    private readonly classesByNamespace = new Map<string, EquivalenceClass[]>();
    /** Classes whose address lies in a network set: a selector can match them through the set, in any namespace. */
    private readonly classesInNetworkSets: EquivalenceClass[];
    /** Every class has exactly one member and class i is source i: class rows are source rows. */
    private readonly singletons: boolean;
    private readonly portBits = new Map<string, Map<string, IndexSet>>();
    private readonly allClasses: IndexSet;
    private readonly allClassBits: Bits;
    private readonly chains = new Map<string, ChainStep[]>();
    private readonly chainKeys: Record<Direction, string[]> = { ingress: [], egress: [] };
    private readonly undecided: Bits;
    private readonly passed: Bits;

    constructor(
        private readonly model: ClusterModel,
        private readonly sources: Workload[],
    ) {
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
        this.singletons = this.classes.every((c) => c.members.length === 1 && c.members[0] === c.index);
        for (const c of this.classes) {
            const list = this.classesByNamespace.get(c.representative.namespace) ?? [];
            list.push(c);
            this.classesByNamespace.set(c.representative.namespace, list);
        }
        this.classesInNetworkSets = model.networkSets.length ? this.classes.filter((c) => identitiesOf(model, c.party).length > 1) : [];
        this.allClasses = IndexSet.full(this.size);
        this.allClassBits = fullBits(this.size);
        this.undecided = emptyBits(this.size);
        this.passed = emptyBits(this.size);
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
    private identity(entity: EntityMatch): IndexSet {
        let bits = this.identityBits.get(entity);
        if (bits) return bits;
        const key = identityKey(entity);
        bits = this.identityByContent.get(key);
        if (!bits) {
            const unconstrained =
                !entity.nets &&
                !entity.notNets &&
                !entity.selector &&
                !entity.notSelector &&
                !entity.namespaceSelector &&
                !entity.serviceAccountNames &&
                !entity.serviceAccountSelector &&
                !entity.service;
            if (unconstrained) bits = this.allClasses;
            else {
                const members: number[] = [];
                for (const c of this.candidates(entity)) if (entityIdentityMatches(this.model, entity, c.party)) members.push(c.index);
                bits = IndexSet.fromIndexes(members, this.size);
            }
            this.identityByContent.set(key, bits);
        }
        this.identityBits.set(entity, bits);
        return bits;
    }

    /**
     * Classes an entity can possibly match: its namespace scope, when it has one (rules.go
     * getEndpointSelector), plus the classes held by a network set, which the set may bring into scope.
     */
    private candidates(entity: EntityMatch): EquivalenceClass[] {
        const usesSelectors = !!(entity.selector || entity.notSelector || entity.serviceAccountNames || entity.serviceAccountSelector);
        let inScope: EquivalenceClass[];
        if (!entity.namespaceSelector && entity.scopeNamespace !== undefined && usesSelectors) {
            inScope = this.classesByNamespace.get(entity.scopeNamespace) ?? [];
        } else if (entity.namespaceSelector) {
            // A class's own identity is a workload, so a namespaceSelector matches it only in the namespaces it selects.
            const selector = entity.namespaceSelector;
            inScope = [...this.classesByNamespace.entries()]
                .filter(([name]) =>
                    matchesNamespaceSelector(selector, { labels: {}, namespace: name, namespaceLabels: this.model.namespaces.get(name)?.labels ?? {} }),
                )
                .flatMap(([, classes]) => classes);
        } else {
            return this.classes;
        }
        return this.classesInNetworkSets.length ? [...new Set([...inScope, ...this.classesInNetworkSets])] : inScope;
    }

    /** Destination classes whose port criteria match a port (a constant unless named ports or services are involved). */
    private destinationPorts(entity: EntityMatch, port: number, protocol: Protocol): IndexSet | boolean {
        const probe = (party: Party): boolean => entityPortMatches(this.model, entity, party, { src: party, dst: party, port, protocol }, "destination");
        if (!portsDependOnDestination(entity)) return probe(this.classes[0]!.party);
        // Port criteria repeat across policies (the same named port everywhere): cache by content.
        // A named port also depends on the selector for pods held by a network set (rules.ts endpointPortMatches).
        const contentKey = JSON.stringify([entity.ports, entity.notPorts, entity.service, this.classesInNetworkSets.length ? identityKey(entity) : null]);
        let perPort = this.portBits.get(contentKey);
        if (!perPort) {
            perPort = new Map();
            this.portBits.set(contentKey, perPort);
        }
        const key = `${port}/${protocol}`;
        let bits = perPort.get(key);
        if (!bits) {
            const members: number[] = [];
            for (const c of this.classes) if (probe(c.party)) members.push(c.index);
            bits = IndexSet.fromSorted(members, this.size);
            perPort.set(key, bits);
        }
        return bits;
    }

    /**
     * Runs a chain over all peers at once: `matched[i]` holds the peer classes rule i matches (or
     * undefined when it cannot match). Allow/Deny decide, Log continues, Pass and Pass tiers carry
     * on to the next tier, a Deny tier drops what is left; past the last tier the profile allows.
     * The allowed classes are written into `allowed`. With `listed`, also returns whether the
     * allowed classes are exactly those pushed onto `listed` (so when a default deny leaves only
     * rules' member lists allowed, a reader need not scan the whole bit set).
     */
    private evaluateChain(chain: ChainStep[], matched: (IndexSet | undefined)[], allowed: Bits, listed?: number[]): boolean {
        const words = wordsFor(this.size);
        allowed.fill(0);
        // Scratch sets reused by every evaluation (tens of thousands per matrix): only `allowed` is kept.
        const undecided = this.undecided;
        const passed = this.passed;
        undecided.set(this.allClassBits);
        passed.fill(0);
        // Whether undecided/passed are known to be empty, and whether every allowed bit came from a list.
        let noneUndecided = false,
            nonePassed = true,
            onlyListed = listed !== undefined;
        for (let index = 0; index < chain.length; index++) {
            const step = chain[index]!;
            if (TIER_END in step) {
                if (step.pass) {
                    for (let w = 0; w < words; w++) undecided[w]! |= passed[w]!;
                    noneUndecided &&= nonePassed;
                } else {
                    undecided.set(passed);
                    noneUndecided = nonePassed;
                }
                passed.fill(0);
                nonePassed = true;
                continue;
            }
            const hits = matched[index];
            if (!hits || step.action === "Log") continue;
            const into = step.action === "Allow" ? allowed : step.action === "Pass" ? passed : undefined;
            if (hits.list) {
                // A few peers: touch their words only.
                for (const i of hits.list) {
                    const w = i >>> 5,
                        bit = 1 << (i & 31);
                    if ((undecided[w]! & bit) === 0) continue;
                    undecided[w]! &= ~bit;
                    if (!into) continue;
                    into[w]! |= bit;
                    if (into === passed) nonePassed = false;
                    else listed?.push(i);
                }
                continue;
            }
            const bits = hits.bits!;
            for (let w = 0; w < words; w++) {
                const hit = bits[w]! & undecided[w]!;
                if (hit === 0) continue;
                undecided[w]! &= ~hit;
                if (!into) continue;
                into[w]! |= hit;
                if (into === passed) nonePassed = false;
                else onlyListed = false;
            }
        }
        // Past the last tier, what is undecided or passed is allowed (the profile).
        if (noneUndecided && nonePassed) return onlyListed;
        for (let w = 0; w < words; w++) allowed[w]! |= undecided[w]! | passed[w]!;
        return false;
    }

    /**
     * An ingress chain prepared for one port: for each rule, the destination classes it can apply to
     * (its destination criteria and ports; undefined = none) and the source classes it matches.
     */
    private preparedIngress(chainKey: string, port: number, protocol: Protocol, cache: Map<string, PreparedRule[]>): PreparedRule[] {
        let prepared = cache.get(chainKey);
        if (prepared) return prepared;
        prepared = this.chains.get(chainKey)!.map((step): PreparedRule => {
            if (TIER_END in step) return { step };
            if (step.action === "Log" || !ruleProtocolMatches(step, protocol) || step.source.ports !== undefined) return { step };
            const ports = this.destinationPorts(step.destination, port, protocol);
            if (ports === false) return { step };
            const local = this.identity(step.destination);
            return { step, local: ports === true ? local : this.bothBits(local, ports), peers: this.identity(step.source) };
        });
        cache.set(chainKey, prepared);
        return prepared;
    }

    /** For each rule of a destination class's prepared ingress chain, the source classes it matches (undefined: none). */
    private ingressMatches(dst: EquivalenceClass, prepared: PreparedRule[]): (IndexSet | undefined)[] {
        const matched: (IndexSet | undefined)[] = new Array(prepared.length);
        for (let i = 0; i < prepared.length; i++) {
            const rule = prepared[i]!;
            matched[i] = rule.local?.has(dst.index) ? rule.peers : undefined;
        }
        return matched;
    }

    /**
     * evaluateChain for one source class: the same verdict as bit `source` of evaluateChain's row.
     * Used when few sources reach a destination, where a whole row would cost more than the few bits.
     */
    private chainAllows(chain: ChainStep[], matched: (IndexSet | undefined)[], source: number): boolean {
        let state: "undecided" | "passed" | "allowed" | "denied" = "undecided";
        for (let index = 0; index < chain.length; index++) {
            const step = chain[index]!;
            if (TIER_END in step) {
                if (state === "passed") state = "undecided";
                else if (state === "undecided" && !step.pass) state = "denied";
                continue;
            }
            const hits = matched[index];
            if (state !== "undecided" || !hits || step.action === "Log" || !hits.has(source)) continue;
            state = step.action === "Allow" ? "allowed" : step.action === "Pass" ? "passed" : "denied";
        }
        return state !== "denied";
    }

    private ingressSignature(dst: EquivalenceClass, prepared: PreparedRule[]): string {
        let signature = "";
        for (const rule of prepared) if (rule.local) signature += rule.local.has(dst.index) ? "1" : "0";
        return signature;
    }

    private readonly bitsIds = new Map<IndexSet, number>();

    private readonly egressScratch: Bits[] = [];
    private readonly intersections = new Map<string, IndexSet>();

    /** a AND b, computed once per pair of (cached) sets. */
    private bothBits(a: IndexSet, b: IndexSet): IndexSet {
        const key = `${this.bitsId(a)}&${this.bitsId(b)}`;
        let bits = this.intersections.get(key);
        if (!bits) {
            bits = a.and(b);
            this.intersections.set(key, bits);
        }
        return bits;
    }

    private bitsId(bits: IndexSet): number {
        let id = this.bitsIds.get(bits);
        if (id === undefined) {
            id = nextBitsId++;
            this.bitsIds.set(bits, id);
        }
        return id;
    }

    /**
     * Destination classes a source class's egress chain lets out on one port. `byPortState` caches the
     * rows of one egress group by what the port changes (each rule's protocol/port verdict), so ports
     * that no rule tells apart share one evaluation; it lives only while its group is computed.
     */
    private egressRow(src: EquivalenceClass, port: number, protocol: Protocol, byPortState: Map<string, EgressRow>): EgressRow {
        const chainKey = this.chainKeys.egress[src.index]!;
        const chain = this.chains.get(chainKey)!;
        const matched: (IndexSet | undefined)[] = new Array(chain.length);
        let portState = "";
        for (let i = 0; i < chain.length; i++) {
            const step = chain[i]!;
            if (TIER_END in step || step.action === "Log") continue;
            if (!ruleProtocolMatches(step, protocol) || step.source.ports !== undefined || !this.identity(step.source).has(src.index)) {
                portState += "0,";
                continue;
            }
            const ports = this.destinationPorts(step.destination, port, protocol);
            if (ports === false) {
                portState += "0,";
                continue;
            }
            const identity = this.identity(step.destination);
            if (ports === true) {
                matched[i] = identity;
                portState += "1,";
            } else {
                matched[i] = this.bothBits(identity, ports);
                portState += `b${this.bitsId(ports)},`;
            }
        }
        let row = byPortState.get(portState);
        if (!row) {
            // The k-th distinct row of a group is written into the k-th scratch set (groups are done one at a time).
            const k = byPortState.size;
            const bits = (this.egressScratch[k] ??= emptyBits(this.size));
            const list: number[] = [];
            row = this.evaluateChain(chain, matched, bits, list) ? { bits, list } : { bits };
            byPortState.set(portState, row);
        }
        return row;
    }

    run(targets: WorkloadTarget[]): IndexSet[] {
        const classOfWorkload = new Map<Workload, number>(this.sources.map((w, s) => [w, this.classOfSource[s]!]));
        const portKeys = new Map<string, { port: number; protocol: Protocol; targets: number[] }>();
        targets.forEach((target, t) => {
            const key = `${target.port}/${target.protocol}`;
            const entry = portKeys.get(key) ?? { port: target.port, protocol: target.protocol, targets: [] };
            entry.targets.push(t);
            portKeys.set(key, entry);
        });
        const hostNetworkSources = this.classes.filter((c) => c.representative.hostNetwork).flatMap((c) => c.members);
        const rows: IndexSet[] = new Array(targets.length);
        // Many targets share a row: keep one copy of each.
        const distinctRows = new IndexSetInterner();
        // Scratch sets reused for every target (rows of many sources are built as bits, of few as lists).
        const sourceRow = emptyBits(this.sources.length);
        const allowedClasses: number[] = [];
        // Source classes with the same egress chain and the same rules applying to them behave alike.
        const egressGroups = new Map<string, number[]>();
        for (const c of this.classes) {
            if (c.representative.hostNetwork) continue;
            const key = `${this.chainKeys.egress[c.index]!}|${this.egressSignature(c)}`;
            const members = egressGroups.get(key);
            if (members) members.push(c.index);
            else egressGroups.set(key, [c.index]);
        }
        // Transpose egress, port by port: for each destination class, the groups of source classes whose
        // egress lets them reach it. Groups in the outer loop, so that a group's egress rows (one per
        // port at most) are dropped as soon as the group is done: kept for every group, they would
        // outgrow memory on a 100,000-workload cluster.
        const ports = [...portKeys.values()];
        const targetClasses = ports.map(({ targets: indexes }) => {
            const bits = emptyBits(this.size);
            for (const t of indexes) setBit(bits, classOfWorkload.get(targets[t]!.workload)!);
            return bits;
        });
        // For each port and destination class, the egress groups (by index, ascending) reaching it.
        const groups = [...egressGroups.values()];
        const reachedBy = ports.map(() => new Map<number, number[]>());
        groups.forEach((members, g) => {
            const byPortState = new Map<string, EgressRow>();
            ports.forEach(({ port, protocol }, p) => {
                const reach = this.egressRow(this.classes[members[0]!]!, port, protocol, byPortState);
                const wanted = targetClasses[p]!;
                const reached = reachedBy[p]!;
                const reachedFrom = (d: number) => {
                    const list = reached.get(d);
                    if (list) list.push(g);
                    else reached.set(d, [g]);
                };
                if (reach.list) {
                    for (const d of reach.list) if (hasBit(wanted, d)) reachedFrom(d);
                    return;
                }
                for (let w = 0; w < wanted.length; w++) {
                    let word = reach.bits[w]! & wanted[w]!;
                    while (word !== 0) {
                        const low = word & -word;
                        reachedFrom((w << 5) + (31 - Math.clz32(low)));
                        word ^= low;
                    }
                }
            });
        });
        ports.forEach(({ port, protocol, targets: indexes }, p) => {
            const ingressCache = new Map<string, { matched: (IndexSet | undefined)[]; row?: Bits }>();
            // A row is a function of the ingress rules matched and the groups reaching: when many sources
            // reach (a cluster without egress policy), destinations alike share one computation.
            const rowOfInputs = new Map<string, IndexSet>();
            const preparedChains = new Map<string, PreparedRule[]>();
            const reached = reachedBy[p]!;
            reachedBy[p] = new Map();
            for (const t of indexes) {
                const target = targets[t]!;
                const d = classOfWorkload.get(target.workload)!;
                const dst = this.classes[d]!;
                if (dst.representative.hostNetwork) {
                    const allowed: number[] = [];
                    this.sources.forEach((source, s) => {
                        if (cellByReference(this.model, source, target)) allowed.push(s);
                    });
                    rows[t] = distinctRows.intern(IndexSet.fromSorted(allowed, this.sources.length));
                    continue;
                }
                const chainKey = this.chainKeys.ingress[d]!;
                const prepared = this.preparedIngress(chainKey, port, protocol, preparedChains);
                const ingressKey = `${chainKey}|${this.ingressSignature(dst, prepared)}`;
                let ingress = ingressCache.get(ingressKey);
                if (!ingress) {
                    ingress = { matched: this.ingressMatches(dst, prepared) };
                    ingressCache.set(ingressKey, ingress);
                }
                const chain = this.chains.get(chainKey)!;
                const reaching = (reached.get(d) ?? []).map((g) => groups[g]!);
                let count = 0;
                for (const members of reaching) count += members.length;
                // Host-network sources are not workload endpoints: ask the reference engine.
                const hostNetworkAllowed = hostNetworkSources.length
                    ? hostNetworkSources.filter((s) => cellByReference(this.model, this.sources[s]!, target))
                    : hostNetworkSources;
                const inputs = count > SHARED_ROW_SOURCES ? `${ingressKey}#${reached.get(d)?.join(",")}#${hostNetworkAllowed.join(",")}` : undefined;
                const shared = inputs === undefined ? undefined : rowOfInputs.get(inputs);
                if (shared) {
                    rows[t] = shared;
                    continue;
                }
                const oneByOne = ingressTuning.oneByOne === "auto" ? count * chain.length < wordsFor(this.size) * 4 : ingressTuning.oneByOne === "always";
                allowedClasses.length = 0;
                if (oneByOne) {
                    // Few sources get out to this destination: judge them one by one (no row per destination,
                    // which on a 100,000-workload cluster was most of the memory and of the time).
                    for (const members of reaching) {
                        for (const m of members) if (this.chainAllows(chain, ingress.matched, m)) allowedClasses.push(m);
                    }
                } else {
                    if (!ingress.row) {
                        ingress.row = emptyBits(this.size);
                        this.evaluateChain(chain, ingress.matched, ingress.row);
                    }
                    const inbound = ingress.row;
                    for (const members of reaching) {
                        for (const m of members) if (hasBit(inbound, m)) allowedClasses.push(m);
                    }
                }
                rows[t] = distinctRows.intern(this.sourceSet(allowedClasses, hostNetworkAllowed, sourceRow));
                if (inputs !== undefined) rowOfInputs.set(inputs, rows[t]!);
            }
        });
        return rows;
    }

    private readonly egressSources = new Map<string, IndexSet[]>();

    /** Which rules of its (shared) egress chain can apply to a source class, as a string. */
    private egressSignature(src: EquivalenceClass): string {
        const key = this.chainKeys.egress[src.index]!;
        let sources = this.egressSources.get(key);
        if (!sources) {
            sources = this.chains
                .get(key)!
                .filter((step): step is Rule => !(TIER_END in step))
                .map((rule) => this.identity(rule.source));
            this.egressSources.set(key, sources);
        }
        let signature = "";
        for (const bits of sources) signature += bits.has(src.index) ? "1" : "0";
        return signature;
    }

    /**
     * The sources of `classes` (class indexes, any order, no repeats) plus `extra` sources, as a set
     * over sources. Few sources are sorted as a list; many are gathered in the scratch bit set `sourceRow`.
     */
    private sourceSet(classes: number[], extra: number[], sourceRow: Bits): IndexSet {
        const size = this.sources.length;
        let count = extra.length;
        for (const c of classes) count += this.classes[c]!.members.length;
        if (count * 32 < size) {
            const members = this.singletons ? classes : classes.flatMap((c) => this.classes[c]!.members);
            return IndexSet.fromIndexes(members.concat(extra), size);
        }
        sourceRow.fill(0);
        if (this.singletons) for (const c of classes) setBit(sourceRow, c);
        else for (const c of classes) for (const s of this.classes[c]!.members) setBit(sourceRow, s);
        for (const s of extra) setBit(sourceRow, s);
        return IndexSet.fromBits(sourceRow, size);
    }
}

/** Content of an entity's identity criteria; the own-namespace scope only counts when rules.go would apply it. */
function identityKey(entity: EntityMatch): string {
    const scoped = !entity.namespaceSelector && !!(entity.selector || entity.notSelector || entity.serviceAccountNames || entity.serviceAccountSelector);
    const { ports: _ports, notPorts: _notPorts, scopeNamespace, ...rest } = entity;
    return JSON.stringify({ ...rest, scope: scoped ? scopeNamespace : undefined });
}

function classKey(workload: Workload): string {
    const labels = Object.keys(workload.labels)
        .sort()
        .map((k) => `${k}=${workload.labels[k]}`)
        .join(",");
    const ports = workload.ports
        .map((p) => `${p.name ?? ""}:${p.port}/${p.protocol}`)
        .sort()
        .join(",");
    return `${workload.namespace}|${labels}|${workload.serviceAccount}|${ports}|${workload.ips.join(",")}|${workload.hostNetwork}|${workload.node ?? ""}`;
}

export type { Packet };
