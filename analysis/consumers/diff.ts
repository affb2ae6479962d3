/** Flows added and removed between two matrices (e.g. two lab stages), matched by endpoint names and ports. */
import { allowedSources, Matrix, targetKey } from "./matrix";
import type { Connection } from "../types";

export interface MatrixDiff {
    added: Connection[];
    removed: Connection[];
}

/** A flow that changed, and why: the verdict before and after, each in one line (its deciding rule or policy, where it stops). */
export interface ChangedFlow extends Connection {
    before: string;
    after: string;
}

/** The flows added and removed between two inputs, each with why (diff-reasons.ts). */
export interface ExplainedDiff {
    added: ChangedFlow[];
    removed: ChangedFlow[];
}

export function diffMatrices(a: Matrix, b: Matrix): MatrixDiff {
    const added: Connection[] = [],
        removed: Connection[] = [];
    const indexA = new Map(a.targets.map((t, i) => [targetKey(t), i]));
    const indexB = new Map(b.targets.map((t, i) => [targetKey(t), i]));
    const sourcesA = new Map(a.sources.map((s, i) => [s, i]));
    const sourcesB = new Map(b.sources.map((s, i) => [s, i]));
    const sources = [...new Set([...a.sources, ...b.sources])];
    const keys = [...new Set([...indexA.keys(), ...indexB.keys()])];
    for (const key of keys) {
        const ta = indexA.get(key),
            tb = indexB.get(key);
        const target = (ta !== undefined ? a.targets[ta] : b.targets[tb!])!;
        const rowA = ta !== undefined ? allowedSources(a, ta) : undefined;
        const rowB = tb !== undefined ? allowedSources(b, tb) : undefined;
        if (
            ta !== undefined &&
            tb !== undefined &&
            a.targetRows[ta] !== undefined &&
            sameSources(a, b) &&
            a.rows[a.targetRows[ta]!]!.equals(b.rows[b.targetRows[tb]!]!)
        )
            continue;
        for (const src of sources) {
            const sa = sourcesA.get(src),
                sb = sourcesB.get(src);
            const inA = rowA !== undefined && sa !== undefined && rowA.has(sa);
            const inB = rowB !== undefined && sb !== undefined && rowB.has(sb);
            if (inA === inB) continue;
            const flow = { src, dst: target.dst, port: target.port, protocol: target.protocol };
            (inB ? added : removed).push(flow);
        }
    }
    return { added, removed };
}

const sameSourcesCache = new WeakMap<Matrix, WeakMap<Matrix, boolean>>();
function sameSources(a: Matrix, b: Matrix): boolean {
    let inner = sameSourcesCache.get(a);
    if (!inner) {
        inner = new WeakMap();
        sameSourcesCache.set(a, inner);
    }
    let same = inner.get(b);
    if (same === undefined) {
        same = a.sources.length === b.sources.length && a.sources.every((s, i) => s === b.sources[i]);
        inner.set(b, same);
    }
    return same;
}
