/**
 * Matrix renderers that write as they go, each costing time linear in what it prints: the full grid
 * (JSON cells, Markdown), the allowed flows as JSON Lines, and the connectivity classes
 * (classes.ts) as a terminal listing, Markdown, JSON, JSON Lines or a Mermaid graph. None of them
 * builds the whole output as one string.
 */
import type { ConnectivityClasses } from "./classes";
import { allowedSources, Matrix, MatrixTarget, targetKey } from "./matrix";

/** Receives the output piece by piece (see output.ts for the buffered writer to stdout). */
export type Write = (chunk: string) => void;

export const ALLOWED = "Y", BLOCKED = "n", NOT_APPLICABLE = "-";

const notApplicable = (src: string, dst: string) => src.startsWith("external:") && dst.startsWith("external:");
const escapeMd = (text: string) => text.replace(/\|/g, "\\|");

/** `--format json`, every cell: `{ sources, targets, cells: [{ src, dst, port, protocol, allowed }] }`, one cell per line. */
export function writeJsonCells(matrix: Matrix, write: Write): void {
    write(`{\n  "sources": ${JSON.stringify(matrix.sources)},\n  "targets": ${JSON.stringify(matrix.targets)},\n  "cells": [`);
    let first = true;
    matrix.targets.forEach((target, t) => {
        const row = allowedSources(matrix, t);
        const tail = `,"dst":${JSON.stringify(target.dst)},"port":${target.port},"protocol":"${target.protocol}","allowed":`;
        matrix.sources.forEach((src, s) => {
            if (notApplicable(src, target.dst)) return;
            write(`${first ? "" : ","}\n    {"src":${JSON.stringify(src)}${tail}${row.has(s)}}`);
            first = false;
        });
    });
    write("\n  ]\n}\n");
}

/** `--format jsonl`: one allowed connection per line, `{ src, dst, port, protocol }`, by destination. */
export function writeJsonLinesFlows(matrix: Matrix, write: Write): void {
    matrix.targets.forEach((target, t) => {
        const tail = `,"dst":${JSON.stringify(target.dst)},"port":${target.port},"protocol":"${target.protocol}"}\n`;
        for (const s of allowedSources(matrix, t)) write(`{"src":${JSON.stringify(matrix.sources[s])}${tail}`);
    });
}

/** `--format md`, the full grid: rows are sources, columns destinations and ports. */
export function writeMarkdownGrid(matrix: Matrix, write: Write): void {
    write(`| from \\ to | ${matrix.targets.map((t) => escapeMd(targetKey(t))).join(" | ")} |\n`);
    write(`|---|${matrix.targets.map(() => ":-:").join("|")}|\n`);
    const rows = matrix.targets.map((_, t) => allowedSources(matrix, t));
    matrix.sources.forEach((src, s) => {
        let line = `| ${escapeMd(src)} |`;
        matrix.targets.forEach((target, t) => { line += ` ${notApplicable(src, target.dst) ? NOT_APPLICABLE : rows[t]!.has(s) ? ALLOWED : BLOCKED} |`; });
        write(`${line}\n`);
    });
}

// ---------------------------------------------------------------- connectivity classes

const sourceName = (c: number) => `S${c + 1}`;
const destinationName = (d: number) => `D${d + 1}`;

/** One line saying what the classes summarise and how to get everything. */
export function classesHeadline(matrix: Matrix, classes: ConnectivityClasses): string {
    return `${matrix.sources.length} sources in ${classes.sourceClasses.length} classes, ${matrix.targets.length} destinations in ${classes.destinationClasses.length} classes: `
        + "every member of a source class may connect to every member of the destination classes listed for it, and to nothing else";
}

function names(members: number[], name: (i: number) => string, limit: number): string {
    const shown = members.slice(0, limit).map(name).join(", ");
    return members.length > limit ? `${shown} (+${members.length - limit} more)` : shown;
}

/**
 * For a terminal: the destination classes, then each source class with the destination classes it
 * reaches; member lists stop after `limit` names (--format jsonl --classes lists them all).
 */
export function writeClassesText(matrix: Matrix, classes: ConnectivityClasses, write: Write, limit = 4): void {
    write(`${classesHeadline(matrix, classes)}.\n\ndestination classes\n`);
    classes.destinationClasses.forEach((members, d) => {
        write(`  ${destinationName(d).padEnd(6)} ${names(members, (t) => targetKey(matrix.targets[t]!), limit)}\n`);
    });
    write("\nsource classes  ->  the destination classes they may connect to\n");
    classes.sourceClasses.forEach((members, c) => {
        const reached = classes.reaches[c]!;
        write(`  ${sourceName(c).padEnd(6)} ${names(members, (s) => matrix.sources[s]!, limit)}  ->  ${reached.length ? reached.map(destinationName).join(" ") : "nothing"}\n`);
    });
}

/** Markdown: two tables, every member listed. */
export function writeClassesMarkdown(matrix: Matrix, classes: ConnectivityClasses, write: Write): void {
    write(`${classesHeadline(matrix, classes)}.\n\n| destination class | destinations |\n|---|---|\n`);
    classes.destinationClasses.forEach((members, d) => {
        write(`| ${destinationName(d)} | ${members.map((t) => escapeMd(targetKey(matrix.targets[t]!))).join(", ")} |\n`);
    });
    write("\n| source class | sources | may connect to |\n|---|---|---|\n");
    classes.sourceClasses.forEach((members, c) => {
        write(`| ${sourceName(c)} | ${members.map((s) => escapeMd(matrix.sources[s]!)).join(", ")} | ${classes.reaches[c]!.map(destinationName).join(", ") || "nothing"} |\n`);
    });
}

const destinationJson = (target: MatrixTarget) => JSON.stringify({ dst: target.dst, port: target.port, protocol: target.protocol });

/**
 * JSON Lines, one class per line: first `{ destinationClass, destinations: [{ dst, port, protocol }] }`,
 * then `{ sourceClass, sources: [names], reaches: [destination class names] }`.
 */
export function writeClassesJsonLines(matrix: Matrix, classes: ConnectivityClasses, write: Write): void {
    classes.destinationClasses.forEach((members, d) => {
        write(`{"destinationClass":"${destinationName(d)}","destinations":[${members.map((t) => destinationJson(matrix.targets[t]!)).join(",")}]}\n`);
    });
    classes.sourceClasses.forEach((members, c) => {
        write(`{"sourceClass":"${sourceName(c)}","sources":${JSON.stringify(members.map((s) => matrix.sources[s]))},"reaches":${JSON.stringify(classes.reaches[c]!.map(destinationName))}}\n`);
    });
}

/** `--format json` summarised: `{ view: "classes", destinationClasses: [...], sourceClasses: [...] }` with the JSON Lines objects. */
export function writeClassesJson(matrix: Matrix, classes: ConnectivityClasses, write: Write): void {
    write(`{\n  "view": "classes",\n  "sources": ${matrix.sources.length},\n  "targets": ${matrix.targets.length},\n  "destinationClasses": [`);
    classes.destinationClasses.forEach((members, d) => {
        write(`${d ? "," : ""}\n    {"destinationClass":"${destinationName(d)}","destinations":[${members.map((t) => destinationJson(matrix.targets[t]!)).join(",")}]}`);
    });
    write("\n  ],\n  \"sourceClasses\": [");
    classes.sourceClasses.forEach((members, c) => {
        write(`${c ? "," : ""}\n    {"sourceClass":"${sourceName(c)}","sources":${JSON.stringify(members.map((s) => matrix.sources[s]))},"reaches":${JSON.stringify(classes.reaches[c]!.map(destinationName))}}`);
    });
    write("\n  ]\n}\n");
}

/** Mermaid of the classes: one node per class (first members named), one edge per reached class. */
export function writeClassesMermaid(matrix: Matrix, classes: ConnectivityClasses, write: Write): void {
    const label = (text: string) => text.replace(/"/g, "'");
    write("flowchart LR\n");
    classes.sourceClasses.forEach((members, c) => write(`  ${sourceName(c)}["${sourceName(c)}: ${label(names(members, (s) => matrix.sources[s]!, 3))}"]\n`));
    classes.destinationClasses.forEach((members, d) => write(`  ${destinationName(d)}["${destinationName(d)}: ${label(names(members, (t) => targetKey(matrix.targets[t]!), 3))}"]\n`));
    classes.reaches.forEach((reached, c) => { for (const d of reached) write(`  ${sourceName(c)} --> ${destinationName(d)}\n`); });
}

/** Collects a writer's output into one string (for small matrices and the string API). */
export function collect(render: (write: Write) => void): string {
    const parts: string[] = [];
    render((chunk) => { parts.push(chunk); });
    return parts.join("");
}
