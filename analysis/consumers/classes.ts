/**
 * Connectivity classes: the matrix summarised without losing anything. Destinations whose allowed
 * sources are the same set form one destination class (the matrix already stores each distinct row
 * once); sources that reach the same destination classes form one source class. Every cell of the
 * matrix is then the cell of its two classes, so a cluster of thousands of workloads prints as a few
 * hundred lines. Cost: linear in the allowed cells of the distinct rows, never in sources x targets.
 */
import type { IndexSet } from "../engine/index-set";
import { allowedSources, Matrix } from "./matrix";

export interface ConnectivityClasses {
    /** Source indexes (into matrix.sources) of each source class, ascending; classes ordered by first member. */
    sourceClasses: number[][];
    /** Target indexes (into matrix.targets) of each destination class, ascending; ordered by first member. */
    destinationClasses: number[][];
    /** For each source class, the destination classes it may connect to, ascending. */
    reaches: number[][];
}

/**
 * Partition refinement over the distinct rows: each row splits every source class into the members
 * it allows and the rest. Each step touches only the row's set bits.
 */
export function connectivityClasses(matrix: Matrix): ConnectivityClasses {
    const size = matrix.sources.length;
    // Destination classes: targets sharing a stored row (rows are stored once per distinct bit set).
    const destinationOfRow = new Map<number, number>();
    const destinationClasses: number[][] = [];
    matrix.targetRows.forEach((row, t) => {
        let d = destinationOfRow.get(row);
        if (d === undefined) {
            d = destinationClasses.length;
            destinationOfRow.set(row, d);
            destinationClasses.push([]);
        }
        destinationClasses[d]!.push(t);
    });
    const rowBits: IndexSet[] = destinationClasses.map((members) => allowedSources(matrix, members[0]!));

    const classOf = new Int32Array(size);
    const classSize: number[] = [size];
    const splitInto = new Map<number, number>();
    for (const bits of rowBits) {
        splitInto.clear();
        const moved: number[] = [];
        bits.forEach((s) => {
            const from = classOf[s]!;
            let to = splitInto.get(from);
            if (to === undefined) {
                to = classSize.length;
                classSize.push(0);
                splitInto.set(from, to);
            }
            classOf[s] = to;
            classSize[from]!--;
            classSize[to]!++;
            moved.push(s);
        });
        // A class the row took whole is not split: give its members their old class back.
        const undo = new Map<number, number>();
        for (const [from, to] of splitInto) if (classSize[from] === 0) undo.set(to, from);
        if (undo.size)
            for (const s of moved) {
                const back = undo.get(classOf[s]!);
                if (back === undefined) continue;
                classSize[classOf[s]!]!--;
                classOf[s] = back;
                classSize[back]!++;
            }
    }

    // Renumber classes by first member so the output is stable and readable.
    const renumber = new Map<number, number>();
    const sourceClasses: number[][] = [];
    for (let s = 0; s < size; s++) {
        let c = renumber.get(classOf[s]!);
        if (c === undefined) {
            c = sourceClasses.length;
            renumber.set(classOf[s]!, c);
            sourceClasses.push([]);
        }
        sourceClasses[c]!.push(s);
    }
    const reaches: number[][] = sourceClasses.map(() => []);
    rowBits.forEach((bits, d) => {
        const seen = new Set<number>();
        bits.forEach((s) => {
            const c = renumber.get(classOf[s]!)!;
            if (!seen.has(c)) {
                seen.add(c);
                reaches[c]!.push(d);
            }
        });
    });
    return { sourceClasses, destinationClasses, reaches };
}
