/**
 * `calico-zt analyze <paths...>` (scripts/calico-zt.ts; `npm run --silent analyze -- <paths...>`): the connectivity matrix of YAML manifests, one query,
 * many queries, or the difference between two sets of manifests. Exit 0 on success, 2 on bad input.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, CommanderError, Option } from "commander";
import { AnalysisInputError } from "../errors";
import { diffMatrices } from "./diff";
import { loadManifests, originOf } from "../input/manifests";
import { connectivityMatrix, MatrixOptions } from "./matrix";
import { CALICO_VERSION_HELP, calicoRelease } from "../model/calico-releases";
import { buildModel } from "../model/model";
import type { AnalyzerOptions, ClusterModel } from "../model/model-types";
import { bufferedWriter, FORMAT_WRITERS, FormatWriter, MATRIX_FORMATS, MatrixFormat, MatrixView, terminalWidth, Write, writeMatrix } from "./output";
import { parsePortSpec, query, Verdict } from "../engine/query";

interface CliOptions {
    format: MatrixFormat;
    full?: boolean;
    classes?: boolean;
    query?: string[];
    queries?: string;
    diff?: string[];
    autoHostEndpoints?: boolean;
    nodeLabels?: string;
    ipBlockIgnoresPods?: boolean;
    podCidr?: string;
    nodePortSource?: "both" | "client" | "node";
    ignoreUnknownKinds?: boolean;
    calicoVersion?: string;
    externalSource?: string;
    nodePorts?: string;
    externalDestination?: string[];
}

export const EXIT_BAD_INPUT = 2;

/** Where the command writes; `width` is the terminal's (default: terminalWidth()). */
export interface CliIo {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    width?: number;
}

export function runCli(argv: string[], io: CliIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) }): number {
    const program = new Command("analyze")
        .description("Connectivity of Kubernetes and Calico manifests: who can connect to whom, and why.")
        .argument("[paths...]", "YAML or JSON files, or directories of them (.yaml, .yml, .json)")
        .addOption(
            new Option("--format <format>", "matrix output (jsonl: one allowed connection per line)").choices(MATRIX_FORMATS as string[]).default("table"),
        )
        .addOption(
            new Option("--full", "the whole matrix even when it does not fit the terminal (table, md) or has over a million cells (json)").conflicts("classes"),
        )
        .option("--classes", "connectivity classes (sources reaching the same destinations, destinations reached by the same sources) even for a small matrix")
        .option(
            "--query <SRC_DST_PORT...>",
            "one connection, SRC DST PORT[/PROTO] or SRC DST ICMP: SRC and DST are <ns>/<workload>, external:<ipv4>, node:<name>[/<interface>], nodeport:<ns>/<service> or service:<ns>/<service> (DST only)",
        )
        .option("--queries <file>", "one query per line (SRC DST PORT/PROTO); one JSON object per line on stdout")
        .option("--diff <pathsA...>", "flows added and removed from pathsA to the paths after --")
        .option("--auto-host-endpoints", "model Calico's automatic host endpoints (one per node)")
        .option("--node-labels <k=v,...>", "labels of the node behind the automatic host endpoint")
        .option("--ip-block-ignores-pods", "Kubernetes ipBlocks never match pod IPs (netpol-analyzer); default: they do (Calico)")
        .option("--pod-cidr <cidr>", "pod address range (default: an IPPool's cidr, else 192.168.0.0/16)")
        .addOption(
            new Option("--node-port-source <how>", "how NodePort clients appear to pods with externalTrafficPolicy Cluster").choices([
                "both",
                "client",
                "node",
            ]),
        )
        .option("--ignore-unknown-kinds", "ignore objects of kinds the analyzer does not know")
        .option("--calico-version <release>", CALICO_VERSION_HELP)
        .option("--external-source <endpoint>", "the matrix's outside client (default external:203.0.113.10)")
        .option(
            "--node-ports <PORT/PROTO,...>",
            "add the nodes to the matrix: each node a source node:<name> and a target at these ports (e.g. 22/TCP,10250/TCP)",
        )
        .option("--external-destination <endpoint...>", "the matrix's outside destinations, external:<ip>:<port>/<proto> (default external:1.1.1.1:443/TCP)")
        .exitOverride()
        .configureOutput({ writeOut: io.stdout, writeErr: io.stderr });
    try {
        program.parse(argv, { from: "user" });
        const options = program.opts<CliOptions>();
        // A variadic option swallows the paths after it: keep three values for --query.
        const paths = [...program.args, ...(options.query?.slice(3) ?? [])];
        if (options.query) options.query = options.query.slice(0, 3);
        // Before any file is read: a 100,000-workload input takes seconds to load.
        if (options.query && options.query.length < 3)
            throw new AnalysisInputError(`--query needs exactly SRC DST PORT[/PROTO], got ${JSON.stringify(options.query.join(" "))}`);
        const analyzerOptions = toAnalyzerOptions(options);
        const matrixOptions: MatrixOptions = {
            ...(options.externalSource ? { externalSource: options.externalSource } : {}),
            ...(options.externalDestination ? { externalDestinations: options.externalDestination } : {}),
            ...(options.nodePorts
                ? {
                      nodePorts: options.nodePorts
                          .split(",")
                          .map((p) => p.trim())
                          .filter(Boolean),
                  }
                : {}),
        };
        const run: CommandRun = {
            options,
            matrixOptions,
            io,
            out: bufferedWriter(io.stdout),
            writer: FORMAT_WRITERS[options.format],
            load: (p) => loadModel(p, analyzerOptions, io),
        };
        if (options.diff) diffCommand(run, options.diff, paths);
        else if (options.query) queryCommand(run, paths, options.query as [string, string, string]);
        else if (options.queries) queriesCommand(run, paths, options.queries);
        else matrixCommand(run, paths);
        run.out.flush();
        return 0;
    } catch (error) {
        if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
        if (error instanceof AnalysisInputError) {
            io.stderr(`error: ${error.message}\n`);
            return EXIT_BAD_INPUT;
        }
        throw error;
    }
}

/** What every command gets: the parsed options, the output writer and format, and the reader of manifests into a model. */
interface CommandRun {
    options: CliOptions;
    matrixOptions: MatrixOptions;
    io: CliIo;
    out: { write: Write; flush: () => void };
    writer: FormatWriter;
    load: (paths: string[]) => ClusterModel;
}

/** Reads the manifests of `paths` into a model, printing its warnings. @throws AnalysisInputError when there is nothing to read. */
function loadModel(paths: string[], options: AnalyzerOptions, io: CliIo): ClusterModel {
    if (!paths.length) throw new AnalysisInputError("no input: give YAML or JSON files or directories");
    const objects = loadManifests(paths);
    if (!objects.length)
        throw new AnalysisInputError("no Kubernetes objects found (empty files, or directories without .yaml, .yml or .json files)", {
            file: paths.join(", "),
        });
    const empty = pathsWithoutObjects(paths, objects);
    if (empty.length)
        io.stderr(
            `warning: ${emptyInputWarning(
                empty,
                paths.filter((p) => !empty.includes(p)),
            )}\n`,
        );
    const model = buildModel(objects, options);
    for (const warning of model.warnings) io.stderr(`warning: ${warning}\n`);
    return model;
}

/**
 * The named paths that gave no object (an empty directory, one without .yaml/.yml/.json files, or
 * empty files): e.g. `rendered/<stack>/<scenario>` before the stack's first `pulumi up`, beside the
 * baseline. A warning, not an error: like kubectl apply -f and conftest test, which refuse only
 * when no path gives anything, the rest is analyzed as given (the baseline alone is a valid input).
 */
function pathsWithoutObjects(paths: readonly string[], objects: readonly object[]): string[] {
    const files = objects
        .map((object) => originOf(object).file)
        .filter((file): file is string => file !== undefined)
        .map((file) => path.resolve(file));
    return paths.filter((p) => {
        const named = path.resolve(p);
        return !files.some((file) => file === named || file.startsWith(named + path.sep));
    });
}

function emptyInputWarning(empty: readonly string[], read: readonly string[]): string {
    return `no Kubernetes objects in ${empty.join(", ")} (empty, or no .yaml, .yml or .json files); ` + `the result is of ${read.join(", ")} alone`;
}

/** `--diff A -- B`: the flows B allows that A does not, and the other way round. */
function diffCommand(run: CommandRun, before: string[], after: string[]): void {
    const diff = diffMatrices(connectivityMatrix(run.load(before), run.matrixOptions), connectivityMatrix(run.load(after), run.matrixOptions));
    run.writer.diff(diff, run.out.write);
}

/** `--query SRC DST PORT`: one connection's verdict (people get the verdict and the deciding rule; json the whole explanation). */
function queryCommand(run: CommandRun, paths: string[], [src, dst, port]: [string, string, string]): void {
    run.writer.verdict(runQuery(run.load(paths), src, dst, port), run.out.write);
}

/** `--queries FILE`: one query per line (SRC DST PORT/PROTO, # comments), one JSON verdict per line whatever the format. */
function queriesCommand(run: CommandRun, paths: string[], file: string): void {
    const model = run.load(paths);
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch (error) {
        throw new AnalysisInputError(`cannot read: ${(error as Error).message}`, { file });
    }
    const lines = text
        .split(/\r?\n/)
        .map((l, i) => [l.replace(/#.*$/, "").trim(), i + 1] as const)
        .filter(([l]) => l);
    for (const [line, number] of lines) {
        const parts = line.split(/\s+/);
        if (parts.length !== 3) throw new AnalysisInputError(`expected SRC DST PORT/PROTO, got ${JSON.stringify(line)}`, { file, key: `line ${number}` });
        try {
            run.out.write(`${JSON.stringify(runQuery(model, parts[0]!, parts[1]!, parts[2]!))}\n`);
        } catch (error) {
            run.out.flush();
            if (error instanceof AnalysisInputError) throw new AnalysisInputError(error.message, { file, key: `line ${number}` });
            throw error;
        }
    }
}

/** The connectivity matrix, in full or as classes (`--full`, `--classes`, else as the format chooses). */
function matrixCommand(run: CommandRun, paths: string[]): void {
    const view: MatrixView = run.options.full ? "full" : run.options.classes ? "classes" : "auto";
    const matrix = connectivityMatrix(run.load(paths), run.matrixOptions);
    writeMatrix(matrix, { format: run.options.format, view, width: run.io.width ?? terminalWidth() }, run.out.write, (text) =>
        run.io.stderr(`note: ${text}\n`),
    );
}

function runQuery(model: ClusterModel, src: string, dst: string, portText: string): Verdict {
    const { port, protocol } = parsePortSpec(portText);
    return query(model, { src, dst, port, ...(protocol ? { protocol } : {}) });
}

function toAnalyzerOptions(options: CliOptions): AnalyzerOptions {
    const nodeLabels = options.nodeLabels ? parseLabels(options.nodeLabels) : undefined;
    return {
        ...(options.autoHostEndpoints || nodeLabels ? { hostEndpoints: { auto: true, ...(nodeLabels ? { nodeLabels } : {}) } } : {}),
        ...(options.ipBlockIgnoresPods ? { ipBlockMatchesPods: false } : {}),
        ...(options.podCidr ? { podCIDR: options.podCidr } : {}),
        ...(options.nodePortSource ? { nodePortSource: options.nodePortSource } : {}),
        ...(options.ignoreUnknownKinds ? { ignoreUnknownKinds: true } : {}),
        // Checked here, before any file is read.
        ...(options.calicoVersion !== undefined ? { calicoVersion: `v${calicoRelease(options.calicoVersion).version}` } : {}),
    };
}

function parseLabels(text: string): Record<string, string> {
    return Object.fromEntries(
        text
            .split(",")
            .filter(Boolean)
            .map((pair) => {
                const [key, value, ...rest] = pair.split("=");
                if (!key || value === undefined || rest.length) throw new AnalysisInputError(`--node-labels: ${JSON.stringify(pair)} is not key=value`);
                return [key.trim(), value.trim()];
            }),
    );
}
