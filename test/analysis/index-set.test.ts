// IndexSet (analysis/engine/index-set.ts) against a plain Set model: both representations (member list,
// bit set), every operation the engine and the matrix readers use, and interning.
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { emptyBits, setBit } from "../../analysis/engine/bitset";
import { IndexSet, IndexSetInterner } from "../../analysis/engine/index-set";

/** A universe size and members below it, few or many (so that both representations occur). */
const sets = fc
    .integer({ min: 1, max: 700 })
    .chain((size) =>
        fc.tuple(
            fc.constant(size),
            fc.oneof(
                fc.uniqueArray(fc.integer({ min: 0, max: size - 1 }), { maxLength: 6 }),
                fc.uniqueArray(fc.integer({ min: 0, max: size - 1 }), { maxLength: size }),
            ),
            fc.uniqueArray(fc.integer({ min: 0, max: size - 1 }), { maxLength: size }),
        ),
    );

function viaBits(members: number[], size: number): IndexSet {
    const bits = emptyBits(size);
    for (const m of members) setBit(bits, m);
    return IndexSet.fromBits(bits, size);
}

describe("IndexSet", () => {
    it("holds exactly its members, in either representation, however it is built", () => {
        fc.assert(
            fc.property(sets, ([size, members]) => {
                const sorted = [...members].sort((a, b) => a - b);
                const built = [IndexSet.fromSorted(sorted, size), IndexSet.fromIndexes([...members, ...members], size), viaBits(members, size)];
                for (const set of built) {
                    expect([...set]).toEqual(sorted);
                    const visited: number[] = [];
                    set.forEach((i) => visited.push(i));
                    expect(visited).toEqual(sorted);
                    expect(set.count).toBe(sorted.length);
                    for (let i = 0; i < size; i++) expect(set.has(i)).toBe(members.includes(i));
                    expect(set.has(size)).toBe(false);
                    // One representation per content: a list while it is smaller than the bits.
                    expect(set.list !== undefined).toBe(sorted.length * 32 < size);
                    expect(set.equals(built[0]!)).toBe(true);
                    expect(set.hash()).toBe(built[0]!.hash());
                }
            }),
        );
    });

    it("intersects, widens and tells sets apart like sets", () => {
        fc.assert(
            fc.property(sets, ([size, a, b]) => {
                const [setA, setB] = [IndexSet.fromIndexes([...a], size), IndexSet.fromIndexes([...b], size)];
                expect([...setA.and(setB)]).toEqual(a.filter((i) => b.includes(i)).sort((x, y) => x - y));
                expect(setA.and(setB).equals(setB.and(setA))).toBe(true);
                expect(setA.equals(setB)).toBe(new Set(a).size === new Set(b).size && a.every((i) => b.includes(i)));
                const wide = setA.widened(size + 40, size + 39);
                expect([...wide]).toEqual([...[...a].sort((x, y) => x - y), size + 39]);
                expect(wide.equals(IndexSet.fromIndexes([...a, size + 39], size + 40))).toBe(true);
            }),
        );
    });

    it("keeps each distinct set once", () => {
        fc.assert(
            fc.property(fc.array(sets, { maxLength: 12 }), (many) => {
                const interner = new IndexSetInterner();
                const fixedSize = 300;
                const built = many.map(([, members]) =>
                    IndexSet.fromIndexes(
                        members.filter((m) => m < fixedSize),
                        fixedSize,
                    ),
                );
                const indexes = built.map((set) => interner.indexOf(set));
                built.forEach((set, i) => built.forEach((other, j) => expect(indexes[i] === indexes[j]).toBe(set.equals(other))));
                expect(interner.distinct.length).toBe(new Set(indexes).size);
            }),
        );
    });

    it("has the full and the empty set", () => {
        for (const size of [1, 31, 32, 33, 1000]) {
            expect([...IndexSet.full(size)]).toEqual(Array.from({ length: size }, (_, i) => i));
            expect(IndexSet.empty(size).count).toBe(0);
            expect(IndexSet.empty(size).equals(IndexSet.fromSorted([], size))).toBe(true);
        }
    });
});
