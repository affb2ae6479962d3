/** `--format md`: Markdown tables, every member listed; diffs and verdicts as text. */
import type { ConnectivityClasses } from "../classes";
import { allowedSources, Matrix, targetKey } from "../matrix";
import {
    ALLOWED,
    BLOCKED,
    classesHeadline,
    destinationName,
    fitsTerminal,
    NOT_APPLICABLE,
    notApplicable,
    sourceName,
    writeDiffLines,
    writeStagedLines,
} from "./shared";
import { writeEndpointText } from "./endpoint-text";
import { formatVerdict } from "./verdict-text";
import type { FormatWriter, Write } from "./writer";

const escapeMd = (text: string) => text.replace(/\|/g, "\\|");

/** The full grid: rows are sources, columns destinations and ports. */
export function writeMarkdownGrid(matrix: Matrix, write: Write): void {
    write(`| from \\ to | ${matrix.targets.map((t) => escapeMd(targetKey(t))).join(" | ")} |\n`);
    write(`|---|${matrix.targets.map(() => ":-:").join("|")}|\n`);
    const rows = matrix.targets.map((_, t) => allowedSources(matrix, t));
    matrix.sources.forEach((src, s) => {
        let line = `| ${escapeMd(src)} |`;
        matrix.targets.forEach((target, t) => {
            line += ` ${notApplicable(src, target.dst) ? NOT_APPLICABLE : rows[t]!.has(s) ? ALLOWED : BLOCKED} |`;
        });
        write(`${line}\n`);
    });
}

/** The classes: two tables, every member listed. */
export function writeClassesMarkdown(matrix: Matrix, classes: ConnectivityClasses, write: Write): void {
    write(`${classesHeadline(matrix, classes)}.\n\n| destination class | destinations |\n|---|---|\n`);
    classes.destinationClasses.forEach((members, d) => {
        write(`| ${destinationName(d)} | ${members.map((t) => escapeMd(targetKey(matrix.targets[t]!))).join(", ")} |\n`);
    });
    write("\n| source class | sources | may connect to |\n|---|---|---|\n");
    classes.sourceClasses.forEach((members, c) => {
        write(
            `| ${sourceName(c)} | ${members.map((s) => escapeMd(matrix.sources[s]!)).join(", ")} | ${classes.reaches[c]!.map(destinationName).join(", ") || "nothing"} |\n`,
        );
    });
}

export const markdownWriter: FormatWriter = {
    autoView: fitsTerminal,
    matrix: writeMarkdownGrid,
    classes: writeClassesMarkdown,
    diff: writeDiffLines,
    staged: writeStagedLines,
    verdict: (verdict, write) => write(formatVerdict(verdict)),
    endpoint: writeEndpointText,
};
