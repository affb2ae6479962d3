// docs/yaobank.md must say what the code does: its stage table and truth table are the data's.
import * as fs from "fs";
import * as path from "path";
import { describe, expect, it } from "vitest";
import { CONFIG_KEYS } from "../../scenarios/registry";
import { YAOBANK_EXPECTED_FLOWS, YAOBANK_STAGES } from "../../scenarios/yaobank/stages";

const doc = fs.readFileSync(path.join(__dirname, "..", "..", "docs", "yaobank.md"), "utf8");

function table(marker: string): string[][] {
    const text = doc.split(`<!-- ${marker}:start -->`)[1]!.split(`<!-- ${marker}:end -->`)[0]!;
    return text
        .trim()
        .split("\n")
        .slice(2)
        .map((line) =>
            line
                .split("|")
                .slice(1, -1)
                .map((cell) => cell.trim()),
        );
}

describe("docs/yaobank.md", () => {
    it("shows the stage table exactly as scenarios/yaobank/stages.ts holds it", () => {
        expect(table("yaobank-stages")).toEqual(YAOBANK_STAGES.map((stage) => [String(stage.number), `\`${stage.name}\``, stage.adds]));
    });

    it("shows the truth table exactly as scenarios/yaobank/stages.ts holds it", () => {
        expect(table("yaobank-truth-table")).toEqual(YAOBANK_EXPECTED_FLOWS.map((flow) => [flow.description, ...flow.expected]));
    });

    it("has a picture per stage", () => {
        expect(doc.match(/```mermaid\nflowchart/g)).toHaveLength(YAOBANK_STAGES.length);
    });

    it("names the default images the config declares", () => {
        expect(doc).toContain(String(CONFIG_KEYS.yaobankImages.default));
    });
});
