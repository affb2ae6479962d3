// The README is the front door: its truth table and config table must say what the code does.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS } from "../config";
import { EXPECTED_FLOWS } from "../stages";

const readme = fs.readFileSync(path.join(__dirname, "..", "README.md"), "utf8");

describe("README", () => {
    it("shows the truth table exactly as stages.ts holds it", () => {
        const table = readme.split("<!-- truth-table:start -->")[1].split("<!-- truth-table:end -->")[0];
        const rows = table.trim().split("\n").slice(2).map((line) => line.split("|").slice(1, -1).map((cell) => cell.trim()));
        expect(rows).toEqual(EXPECTED_FLOWS.map((flow) => [flow.description, ...flow.expected.slice(1)]));
    });

    it("tells the set-up and test commands", () => {
        expect(readme).toContain("npm ci\nnpm test");
    });

    it("names only config keys that exist", () => {
        const configSection = readme.split("## Configuration")[1].split("\n## ")[0];
        const named = [...configSection.matchAll(/^\| `([a-zA-Z]+)`(?:, `([a-zA-Z]+)`)? \|/gm)].flatMap((m) => [m[1], m[2]]).filter(Boolean);
        expect(named.length).toBeGreaterThan(5);
        for (const key of named) expect(Object.keys(CONFIG_KEYS)).toContain(key);
    });
});
