/** `--format jsonl`: one JSON object per line, linear in what it prints; a verdict is printed as text, as for people. */
import type { ConnectivityClasses } from "../classes";
import type { ExplainedDiff } from "../diff";
import { allowedSources, Matrix } from "../matrix";
import { destinationJson, destinationName, sourceName } from "./shared";
import { formatVerdict } from "./verdict-text";
import type { FormatWriter, Write } from "./writer";

/** One allowed connection per line, `{ src, dst, port, protocol }`, by destination. */
export function writeJsonLinesFlows(matrix: Matrix, write: Write): void {
    matrix.targets.forEach((target, t) => {
        const tail = `,"dst":${JSON.stringify(target.dst)},"port":${target.port},"protocol":"${target.protocol}"}\n`;
        for (const s of allowedSources(matrix, t)) write(`{"src":${JSON.stringify(matrix.sources[s])}${tail}`);
    });
}

/**
 * One class per line: first `{ destinationClass, destinations: [{ dst, port, protocol }] }`,
 * then `{ sourceClass, sources: [names], reaches: [destination class names] }`.
 */
export function writeClassesJsonLines(matrix: Matrix, classes: ConnectivityClasses, write: Write): void {
    classes.destinationClasses.forEach((members, d) => {
        write(`{"destinationClass":"${destinationName(d)}","destinations":[${members.map((t) => destinationJson(matrix.targets[t]!)).join(",")}]}\n`);
    });
    classes.sourceClasses.forEach((members, c) => {
        write(
            `{"sourceClass":"${sourceName(c)}","sources":${JSON.stringify(members.map((s) => matrix.sources[s]))},"reaches":${JSON.stringify(classes.reaches[c]!.map(destinationName))}}\n`,
        );
    });
}

/** One changed flow per line, `{ change: "added" | "removed", src, dst, port, protocol, before, after }`. */
function writeDiffJsonLines(diff: ExplainedDiff, write: Write): void {
    for (const [change, flows] of [
        ["added", diff.added],
        ["removed", diff.removed],
    ] as const) {
        for (const flow of flows) write(`${JSON.stringify({ change, ...flow })}\n`);
    }
}

export const jsonLinesWriter: FormatWriter = {
    autoView: () => ({ view: "full" }),
    matrix: writeJsonLinesFlows,
    classes: writeClassesJsonLines,
    diff: writeDiffJsonLines,
    staged: (preview, write) => {
        for (const staged of preview.staged) write(`${JSON.stringify({ staged, calicoVersion: preview.calicoVersion })}\n`);
        writeDiffJsonLines(preview, write);
    },
    verdict: (verdict, write) => write(formatVerdict(verdict)),
    endpoint: (reports, write) => {
        for (const report of reports) write(`${JSON.stringify(report)}\n`);
    },
};
