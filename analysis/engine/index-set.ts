/**
 * Sets of indexes in [0, size): the matrix's rows (allowed sources) and the engine's endpoint sets
 * (classes a rule's peer matches). On a large cluster almost every such set is tiny (a row of a
 * 100,000-workload cluster allows a handful of sources) while a few are huge (an unconstrained peer
 * is every class), so a set is a sorted list of its members when that is smaller than a bit set,
 * and a bit set otherwise. The choice depends only on the members, so equal sets always have the
 * same representation (the interner compares them as stored).
 */
import { Bits, bitIndexes, emptyBits, forEachBit, fullBits, hasBit, popcount, setBit, wordsFor } from "./bitset";

/** A member list costs 4 bytes per member, a bit set size/8 bytes: a list while count * 32 < size. */
const listed = (count: number, size: number) => count * 32 < size;

export class IndexSet {
    private constructor(
        /** The universe: members are below it. */
        readonly size: number,
        readonly count: number,
        /** The members ascending, when the set is sparse. */
        readonly list: Uint32Array | undefined,
        /** The members as bits, when the set is dense. */
        readonly bits: Bits | undefined,
    ) {}

    /** The set of `indexes` (ascending, no repeats, each below `size`); the array is copied. */
    static fromSorted(indexes: ArrayLike<number>, size: number): IndexSet {
        const count = indexes.length;
        if (listed(count, size)) return new IndexSet(size, count, Uint32Array.from(indexes), undefined);
        const bits = emptyBits(size);
        for (let i = 0; i < count; i++) setBit(bits, indexes[i]!);
        return new IndexSet(size, count, undefined, bits);
    }

    /** The set of indexes in any order, possibly repeated; `indexes` is sorted in place. */
    static fromIndexes(indexes: number[], size: number): IndexSet {
        indexes.sort((a, b) => a - b);
        let kept = 0;
        for (let i = 0; i < indexes.length; i++) if (i === 0 || indexes[i] !== indexes[i - 1]) indexes[kept++] = indexes[i]!;
        indexes.length = kept;
        return IndexSet.fromSorted(indexes, size);
    }

    /** The set of the bits set in `bits` (over `size` indexes); `bits` is copied when kept, so it may be a scratch set. */
    static fromBits(bits: Bits, size: number): IndexSet {
        const count = popcount(bits);
        if (!listed(count, size)) return new IndexSet(size, count, undefined, bits.slice(0, wordsFor(size)));
        const list = new Uint32Array(count);
        let k = 0;
        forEachBit(bits, (i) => {
            list[k++] = i;
        });
        return new IndexSet(size, count, list, undefined);
    }

    static full(size: number): IndexSet {
        return listed(size, size)
            ? IndexSet.fromSorted(
                  Array.from({ length: size }, (_, i) => i),
                  size,
              )
            : new IndexSet(size, size, undefined, fullBits(size));
    }

    static empty(size: number): IndexSet {
        return new IndexSet(size, 0, new Uint32Array(0), undefined);
    }

    has(index: number): boolean {
        if (this.bits) return index < this.size && hasBit(this.bits, index);
        const list = this.list!;
        let low = 0,
            high = list.length - 1;
        while (low <= high) {
            const middle = (low + high) >>> 1;
            const value = list[middle]!;
            if (value === index) return true;
            if (value < index) low = middle + 1;
            else high = middle - 1;
        }
        return false;
    }

    /** Calls `visit` with each member, ascending. */
    forEach(visit: (index: number) => void): void {
        if (this.list) for (let i = 0; i < this.list.length; i++) visit(this.list[i]!);
        else forEachBit(this.bits!, visit);
    }

    *[Symbol.iterator](): Generator<number> {
        if (this.list) yield* this.list;
        else yield* bitIndexes(this.bits!);
    }

    /** The same members over a larger universe, plus `extra` (at or above this set's size). */
    widened(size: number, extra?: number | readonly number[]): IndexSet {
        const members: number[] = [...this];
        if (typeof extra === "number") members.push(extra);
        else if (extra) members.push(...extra);
        return IndexSet.fromSorted(members, size);
    }

    /** Members of both sets (same universe). */
    and(other: IndexSet): IndexSet {
        if (this.bits && other.bits) {
            const out = emptyBits(this.size);
            for (let w = 0; w < out.length; w++) out[w] = this.bits[w]! & other.bits[w]!;
            return IndexSet.fromBits(out, this.size);
        }
        const [small, large] = this.list ? [this, other] : [other, this];
        const members: number[] = [];
        small.forEach((i) => {
            if (large.has(i)) members.push(i);
        });
        return IndexSet.fromSorted(members, this.size);
    }

    equals(other: IndexSet): boolean {
        if (this.size !== other.size || this.count !== other.count) return false;
        const [a, b] = this.list ? [this.list, other.list!] : [this.bits!, other.bits!];
        for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
        return true;
    }

    /** FNV-1a over the stored representation (equal sets share it, see the module comment). */
    hash(): number {
        const words = this.list ?? this.bits!;
        let hash = 0x811c9dc5 ^ this.count;
        for (let w = 0; w < words.length; w++) hash = Math.imul(hash ^ words[w]!, 0x01000193);
        return hash >>> 0;
    }
}

/** Keeps each distinct set once: `intern` returns the stored set equal to `set`, storing `set` when new. */
export class IndexSetInterner {
    readonly distinct: IndexSet[] = [];
    private readonly buckets = new Map<number, number[]>();

    indexOf(set: IndexSet): number {
        const hash = set.hash();
        const bucket = this.buckets.get(hash);
        if (bucket) {
            for (const i of bucket) if (this.distinct[i]!.equals(set)) return i;
        }
        const index = this.distinct.length;
        this.distinct.push(set);
        if (bucket) bucket.push(index);
        else this.buckets.set(hash, [index]);
        return index;
    }

    intern(set: IndexSet): IndexSet {
        return this.distinct[this.indexOf(set)]!;
    }
}
