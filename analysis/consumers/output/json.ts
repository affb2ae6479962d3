/** `--format json`: one JSON document per output; the query's whole Verdict, both directions' explanation included. */
import type { ConnectivityClasses } from "../classes";
import { allowedSources, Matrix } from "../matrix";
import { destinationJson, destinationName, notApplicable, sourceName } from "./shared";
import type { FormatWriter, Write } from "./writer";

/** Above this many cells `auto` prints classes (a cell is about 90 bytes). */
export const MAX_JSON_CELLS = 1_000_000;

/** Every cell: `{ sources, targets, cells: [{ src, dst, port, protocol, allowed }] }`, one cell per line. */
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

/** The classes: `{ view: "classes", destinationClasses: [...], sourceClasses: [...] }` with the JSON Lines objects. */
export function writeClassesJson(matrix: Matrix, classes: ConnectivityClasses, write: Write): void {
    write(`{\n  "view": "classes",\n  "sources": ${matrix.sources.length},\n  "targets": ${matrix.targets.length},\n  "destinationClasses": [`);
    classes.destinationClasses.forEach((members, d) => {
        write(
            `${d ? "," : ""}\n    {"destinationClass":"${destinationName(d)}","destinations":[${members.map((t) => destinationJson(matrix.targets[t]!)).join(",")}]}`,
        );
    });
    write('\n  ],\n  "sourceClasses": [');
    classes.sourceClasses.forEach((members, c) => {
        write(
            `${c ? "," : ""}\n    {"sourceClass":"${sourceName(c)}","sources":${JSON.stringify(members.map((s) => matrix.sources[s]))},"reaches":${JSON.stringify(classes.reaches[c]!.map(destinationName))}}`,
        );
    });
    write("\n  ]\n}\n");
}

const pretty = (value: unknown, write: Write) => write(`${JSON.stringify(value, null, 2)}\n`);

export const jsonWriter: FormatWriter = {
    autoView: (matrix) => {
        const sources = matrix.sources.length,
            targets = matrix.targets.length;
        if (sources * targets <= MAX_JSON_CELLS) return { view: "full" };
        return {
            view: "classes",
            note: `${sources} x ${targets} cells is more than ${MAX_JSON_CELLS}: printing connectivity classes ({"view": "classes"}); --full prints every cell, --format jsonl every allowed flow`,
        };
    },
    matrix: writeJsonCells,
    classes: writeClassesJson,
    diff: pretty,
    staged: pretty,
    verdict: pretty,
    endpoint: pretty,
};
