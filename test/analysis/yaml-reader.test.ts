// The YAML reader's fast path (js-yaml, yaml-fast-path.ts) against the careful reader (the `yaml`
// library's documents, which read every text before it): wherever the fast path gives values, the
// careful reader gives the same values (so kubectl's YAML 1.1 reading is kept); wherever it gives
// none, readYamlDocuments is the careful reader, with its errors. Checked on generated texts (token
// soup, random values printed in several styles) and on every manifest of the repository.
import * as fs from "node:fs";
import * as path from "node:path";
import fc from "fast-check";
import { dump } from "js-yaml";
import { stringify } from "yaml";
import { describe, expect, it } from "vitest";
import { readYamlFast } from "../../analysis/input/yaml-fast-path";
import { NOT_READ, printedTextReadable, readPrintedDocument } from "../../analysis/input/yaml-printed";
import { readYamlCarefully, readYamlDocuments } from "../../analysis/input/yaml-reader";

const ROOT = path.join(__dirname, "../..");
const SEED = Number(process.env.FUZZ_SEED ?? 26);
/** Where the repository keeps manifests: scenarios and fixtures of the tests, the baseline, the policy pack's cases, the cluster scripts' configs. */
const MANIFEST_DIRS = ["test", "baseline", "scenarios", "policy-pack/test", "scripts/cluster"];

type Outcome = { values: unknown[] } | { error: string };

function outcome(read: () => { value: unknown }[]): Outcome {
    try {
        return { values: read().map((document) => document.value) };
    } catch (error) {
        return { error: (error as Error).message };
    }
}

/** `[start, stop)` of each document of `text`, cut before every `---` line as readYamlFast cuts them. */
function documentRanges(text: string): [number, number][] {
    const starts = [0, ...[...text.matchAll(/\n---(?=[ \t\r\n]|$)/g)].map((m) => m.index + 1)];
    return starts.map((start, i) => [start, starts[i + 1] ?? text.length]);
}

/**
 * The differential property: returns how the text was read ("printed": the printed path read a
 * document of it; "fast": js-yaml's path; "careful"), failing the test on any disagreement.
 */
function compare(text: string): "printed" | "fast" | "careful" {
    const careful = outcome(() => readYamlCarefully(text, "t.yaml"));
    const fast = readYamlFast(text);
    if (fast !== undefined) expect({ values: fast }, `fast path on ${JSON.stringify(text)}`).toStrictEqual(careful);
    // Large texts are read in batches of documents: cut at every document start, the values are the same.
    const cut = readYamlFast(text, { batchChars: 1 });
    if (cut !== undefined) expect({ values: cut }, `fast path, a batch per document, on ${JSON.stringify(text)}`).toStrictEqual(careful);
    // js-yaml's path alone, on documents the printed path would read too.
    const events = readYamlFast(text, { printed: false });
    if (events !== undefined) expect({ values: events }, `js-yaml's path on ${JSON.stringify(text)}`).toStrictEqual(careful);
    // The printed path alone, on each document (without the checks readYamlFast makes first), where the careful reader reads as many.
    let printed = 0;
    const pieces = documentRanges(text);
    if (printedTextReadable(text) && "values" in careful && careful.values.length === pieces.length) {
        pieces.forEach(([start, stop], i) => {
            const value = readPrintedDocument(text, start, stop);
            if (value === NOT_READ) return;
            expect(value, `printed path on document ${i + 1} of ${JSON.stringify(text)}`).toStrictEqual(careful.values[i]);
            printed++;
        });
    }
    expect(
        outcome(() => readYamlDocuments(text, "t.yaml")),
        `reader on ${JSON.stringify(text)}`,
    ).toStrictEqual(careful);
    return fast === undefined ? "careful" : printed > 0 ? "printed" : "fast";
}

/** Plain scalars YAML 1.1 and 1.2 read differently, and the syntax around them. */
const SCALARS = [
    "yes",
    "No",
    "on",
    "OFF",
    "y",
    "n",
    "Y",
    "~",
    "null",
    "NULL",
    "",
    "true",
    "False",
    "0777",
    "0o17",
    "09",
    "0x1F",
    "0b101",
    "1_000",
    "80:90",
    "190:20:30",
    "1.5",
    ".5",
    "1.",
    ".",
    "1e3",
    "1E-3",
    "6.02e+23",
    ".inf",
    "-.Inf",
    ".nan",
    "-0",
    "+12",
    "0_",
    "0b_",
    "2001-12-14",
    "1:2",
    "=",
    "a b",
    "x#y",
    "it's",
    "a: b",
    "- c",
    "@x",
    "%p",
    "!has(a)",
    "&& b",
    "80/tcp",
    "10.0.0.0/8",
    "::1",
    "__proto__",
    "toString",
    "12345678901234567890",
    "e0",
    "E5",
];

const TOKENS = [
    ...SCALARS.filter(Boolean),
    ":",
    ": ",
    " ",
    "  ",
    "\n",
    "\n  ",
    "\n    ",
    "- ",
    "-",
    "[",
    "]",
    "{",
    "}",
    ", ",
    "? ",
    "&a ",
    "*a",
    "!!str ",
    "!x ",
    "<<: ",
    "'",
    '"',
    "\\",
    "#c",
    " # c\n",
    "\t",
    "\n\t",
    "\n \t",
    "|",
    ">",
    "|-",
    ">+",
    "|2",
    "---\n",
    "--- ",
    "...\n",
    "%YAML 1.1\n",
    "%YAML 1.2\n",
    "kind: Pod\n",
    "a: ",
    "b: ",
    '"a": ',
    "\r\n",
    "\uFEFF",
    '"\\x41\\u263A\\N"',
    '"a\n b"',
    "'a\n\n b'",
    "é",
    "\u2028",
    "\u0085",
    "\x07",
    "\n- a: 1\n  b: 2\n",
    "k:\n- x\n",
    "  k: v\n",
    "|-\n  x\n",
    "|\n\n  y\n \n",
    "'it''s'",
    "{}",
    "[]",
    "  # c\n",
];

const soup = fc.array(fc.constantFrom(...TOKENS), { maxLength: 60 }).map((parts) => parts.join(""));

/** Lines shaped as block YAML is (indentation, a list dash or a key, a value), for the printed path's indentation rules. */
const blockLine = fc
    .tuple(
        fc.constantFrom("", "", " ", "  ", "   ", "    ", "      "),
        fc.constantFrom("", "- ", "- ", "-", "- - ", "a: ", "b: ", "a:", "'k': ", '"k": ', "yes: ", "1: ", "a b: ", "a #b: ", "a#b: ", "- c: "),
        fc.constantFrom(
            "",
            "",
            "x",
            "yes",
            "0777",
            "~",
            "'q'",
            "'it''s'",
            '"d"',
            '"e\\"',
            "|",
            "|-",
            "{}",
            "[]",
            "# c",
            "x # c",
            "a: b",
            "- ",
            "x:",
            "'o",
            "\tt",
        ),
    )
    .map((parts) => parts.join(""));
const blockSoup = fc.tuple(fc.array(blockLine, { maxLength: 12 }), fc.constantFrom("\n", "", "\n\n")).map(([textLines, last]) => textLines.join("\n") + last);

const key = fc.oneof(fc.constantFrom(...SCALARS), fc.string({ maxLength: 6 }));
/** Text over several lines, as ConfigMaps and annotations hold it (printed as `|` blocks or quoted with escapes). */
const lines = fc
    .tuple(
        fc.array(fc.constantFrom("", "a", " b", "  c: d", "# e", "- f", "\tg", "h ", "'i'", '"j"'), { minLength: 1, maxLength: 4 }),
        fc.constantFrom("", "\n", "\n\n"),
    )
    .map(([parts, last]) => parts.join("\n") + last);
const scalar = fc.oneof(fc.constantFrom(...SCALARS), fc.string({ maxLength: 8 }), lines, fc.integer(), fc.double(), fc.boolean(), fc.constant(null));
const { value } = fc.letrec((tie) => ({
    value: fc.oneof({ depthSize: "small" }, scalar, fc.array(tie("value"), { maxLength: 4 }), fc.dictionary(key, tie("value"), { maxKeys: 4 })),
}));

/** Comment lines put between a text's lines (`at`: after which lines, by their index modulo the text's lines). */
function withComments(text: string, at: number[], indent: number): string {
    const textLines = text.split("\n");
    const after = new Set(at.map((n) => n % Math.max(1, textLines.length - 1)));
    return textLines.flatMap((line, n) => (after.has(n) ? [line, `${" ".repeat(indent)}# note`] : [line])).join("\n");
}

/**
 * A value printed as kubectl, Helm and people write it: block (lists indented under their key or not,
 * as kubectl prints them) or flow, YAML 1.1 or 1.2 quoting (1.2 leaves `yes` bare, which 1.1 reads
 * as true), with comment lines or without.
 */
const printed = fc
    .tuple(
        fc.array(value, { minLength: 1, maxLength: 3 }),
        fc.constantFrom("yaml-1.1", "yaml-1.2", "yaml-flow", "yaml-kubectl", "js-yaml", "js-yaml-kubectl", "js-yaml-flow", "json"),
        fc.array(fc.nat(), { maxLength: 2 }),
        fc.nat(4),
    )
    .map(([documents, style, comments, indent]) =>
        documents
            .map((document) => {
                switch (style) {
                    case "yaml-1.1":
                        return stringify(document, { version: "1.1" });
                    case "yaml-1.2":
                        return stringify(document);
                    case "yaml-flow":
                        return stringify(document, { collectionStyle: "flow" });
                    case "yaml-kubectl":
                        return stringify(document, { version: "1.1", indentSeq: false });
                    case "js-yaml":
                        return dump(document, { noRefs: true });
                    case "js-yaml-kubectl":
                        return withComments(dump(document, { noRefs: true, seqNoIndent: true }), comments, indent);
                    case "js-yaml-flow":
                        return dump(document, { noRefs: true, flowLevel: 0 });
                    default:
                        return `${JSON.stringify(document, null, 1)}\n`;
                }
            })
            .join("---\n"),
    );

describe("the YAML reader's fast path reads as the careful reader", () => {
    it("on token soup: the same values, or none and the careful reader's error", () => {
        fc.assert(
            fc.property(soup, (text) => {
                compare(text);
            }),
            { seed: SEED, numRuns: 3000 },
        );
    });

    it("on lines shaped as block YAML: the same values, or none and the careful reader's error", () => {
        const paths = { printed: 0, fast: 0, careful: 0 };
        fc.assert(
            fc.property(blockSoup, (text) => {
                paths[compare(text)]++;
            }),
            { seed: SEED, numRuns: 3000 },
        );
        expect(paths.printed).toBeGreaterThan(100);
    });

    it("on random values printed in block and flow style, YAML 1.1 and 1.2 quoting, and JSON", () => {
        const paths = { printed: 0, fast: 0, careful: 0 };
        fc.assert(
            fc.property(printed, (text) => {
                paths[compare(text)]++;
            }),
            { seed: SEED, numRuns: 1500 },
        );
        // The fast paths must carry these (they leave only texts with tags, anchors, aliases, merge keys, collections as keys and errors),
        // the printed path a good share of them (it leaves flow collections, escapes, multi-line plain scalars).
        expect(paths.printed + paths.fast).toBeGreaterThan(2 * paths.careful);
        expect(paths.printed).toBeGreaterThan(300);
    });

    it("on every manifest of the repository (scenarios, baseline, fixtures, policy-pack tests)", () => {
        const files = MANIFEST_DIRS.flatMap((dir) =>
            (fs.readdirSync(path.join(ROOT, dir), { recursive: true }) as string[]).filter((file) => /\.ya?ml$/.test(file)).map((file) => path.join(dir, file)),
        );
        expect(files.length).toBeGreaterThan(30);
        const fast = files.filter((file) => compare(fs.readFileSync(path.join(ROOT, file), "utf8")) !== "careful");
        expect(fast).toContain("baseline/cluster.yaml");
        expect(fast.length).toBeGreaterThan(files.length / 2);
    });

    it.each([
        ["a tag", "a: !!str 1\n"],
        ["an unresolved tag", "selector: !has(x)\n"],
        ["an anchor and its alias", "a: &x {b: 1}\nc: *x\n"],
        ["a merge key", "<<: {a: 1}\nb: 2\n"],
        ["a value spelled as a merge key", "a: <<\n"],
        ["a null key", "~: a\nnull: b\n"],
        ["an empty key", ": a\n"],
        ["a directive", "%YAML 1.2\n---\na: yes\n"],
        ["a duplicate key", 'a: 1\n"a": 2\n'],
        ["a duplicate key spelled two ways", '1: a\n"1": b\n'],
        ["a collection as a key", "[a]: 1\n"],
        ["a collection as an explicit key", "? [a]\n: 1\n"],
        ["invalid YAML", "a: [1\n"],
        ["deep nesting", `${"[".repeat(2000)}${"]".repeat(2000)}\n`],
    ])("leaves %s to the careful reader", (_what, text) => {
        expect(readYamlFast(text)).toBeUndefined();
        expect(compare(text)).toBe("careful");
    });

    it("reads tabs after a line's indentation (a Makefile in a ConfigMap) on the fast path; a tab opening a line goes to the careful reader", () => {
        const makefile = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: build\ndata:\n  Makefile: |\n    all:\n    \tgo build ./...\n";
        expect(compare(makefile)).toBe("printed");
        expect(readYamlFast(makefile)).toStrictEqual([
            { apiVersion: "v1", kind: "ConfigMap", metadata: { name: "build" }, data: { Makefile: "all:\n\tgo build ./...\n" } },
        ]);
        expect(compare("\tyes\n")).toBe("careful");
    });

    it("reads YAML 1.1 scalars as the careful reader does, a quoted one as a string", () => {
        const text = "a: yes\nb: 0777\nc: 80:90\nd: 0x1F\ne: 1_000\nf: .5\ng: ~\nh: 'yes'\ni: 190:20:30\nj: 0o17\nk: 2001-12-14\n";
        expect(compare(text)).toBe("printed");
        expect(readYamlFast(text)).toStrictEqual([
            { a: true, b: 511, c: "80:90", d: 31, e: 1000, f: 0.5, g: null, h: "yes", i: "190:20:30", j: "0o17", k: "2001-12-14" },
        ]);
    });
});
