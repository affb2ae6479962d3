// JSON manifests take a fast path (JSON.parse); it must read exactly what the YAML reader reads and
// refuse duplicate keys as kubectl does.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseAllDocuments } from "yaml";
import { describe, expect, it } from "vitest";
import { parseManifests } from "../../analysis";
import { readJson } from "../../analysis/input/json-reader";

const LOCKDOWN = path.join(__dirname, "scenarios/lab-calico-lockdown/cluster.yaml");

describe("JSON manifests", () => {
    it("read as the same objects as their YAML", () => {
        const yaml = fs.readFileSync(LOCKDOWN, "utf8");
        const items = parseAllDocuments(yaml)
            .map((d) => d.toJS())
            .filter(Boolean);
        const json = JSON.stringify({ apiVersion: "v1", kind: "List", items }, null, 1);
        expect(readJson(json)).toEqual({ value: { apiVersion: "v1", kind: "List", items } });
        expect(parseManifests(json, "cluster.json")).toEqual(parseManifests(yaml, "cluster.yaml"));
    });

    it("leave a duplicate key, also escaped, to the YAML reader, which refuses it; the same key in two objects is fine", () => {
        const text = '{"apiVersion": "v1", "kind": "Namespace",\n "metadata": {"name": "a", "labels": {"x": "1"}},\n "spec": {"name": "b", "n\\u0061me": "c"}}';
        expect(readJson(text)).toBeUndefined();
        expect(() => parseManifests(text, "ns.json")).toThrow(/ns\.json \(document 1, line \d+\): .*(unique|duplicate)/i);
        expect(readJson('[{"a": 1}, {"a": 2}, {"b": {"a": "a"}, "a": "x"}]')).toEqual({ value: [{ a: 1 }, { a: 2 }, { b: { a: "a" }, a: "x" }] });
        expect(readJson('{"a" : 1}')).toBeUndefined();
        // A duplicate deep inside lists of maps, next to values of every type.
        expect(readJson('{"items": [1, "s", null, true, [{"k": [{"a": 1, "b": {}, "a": 2}]}]]}')).toBeUndefined();
        expect(readJson('{"items": [1, "s", null, true, [{"k": [{"a": 1, "b": {}, "c": 2}]}]]}')).toEqual({
            value: { items: [1, "s", null, true, [{ k: [{ a: 1, b: {}, c: 2 }] }]] },
        });
        // A quote and colon inside a string only costs the fast path.
        expect(readJson('{"a": "{\\"b\\": 1}"}')).toBeUndefined();
        expect(
            parseManifests('{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "a", "annotations": {"j": "{\\"b\\": 1}"}}}', "a.json")[0]!.metadata
                .annotations,
        ).toEqual({ j: '{"b": 1}' });
    });

    it("leave text that is not JSON to the YAML reader, which names the line of an error", () => {
        expect(readJson("apiVersion: v1\nkind: Namespace\n")).toBeUndefined();
        expect(readJson('{"kind": "Namespace",}')).toBeUndefined();
        expect(() => parseManifests('{"kind": "Namespace", "metadata": {"name": [}}', "bad.json")).toThrow(/bad\.json \(document 1, line \d+\): invalid YAML/);
    });
});
