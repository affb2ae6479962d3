/**
 * `calico-zt analyze <paths...>` (scripts/calico-zt.ts; `npm run --silent analyze -- <paths...>`): the connectivity matrix of YAML manifests
 * and/or a running cluster (`--kubeconfig FILE [--context NAME]`), one query, many queries, or the difference between two inputs.
 * Exit 0 on success, 1 when `--diff --exit-code` found a change, 2 on bad input.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { Command, CommanderError, InvalidArgumentError, Option } from "commander";
import { AnalysisInputError } from "../errors";
import { diffMatrices } from "./diff";
import { type DiffSide, explainDiff } from "./diff-reasons";
import { endpointPolicies } from "./endpoint-policies";
import { checkFocus, endpointShown, type Focus, focusedWorkloads, focusMatrix, parseFocus } from "./focus";
import { loadManifests, originOf } from "../input/manifests";
import { connectivityMatrix, type Matrix, MatrixOptions } from "./matrix";
import { CALICO_VERSION_HELP, calicoRelease } from "../model/calico-releases";
import { buildModel } from "../model/model";
import type { AnalyzerOptions, ClusterModel } from "../model/model-types";
import type { KubeObject } from "../types";
import { previewStaged } from "./staged-preview";
import type { LiveInput, LiveSource } from "./live-input";
import { bufferedWriter, FORMAT_WRITERS, FormatWriter, MATRIX_FORMATS, MatrixFormat, MatrixView, terminalWidth, Write, writeMatrix } from "./output";
import { parsePortSpec, query, Verdict } from "../engine/query";
import { secondsUpTo } from "../../live/cli";

interface CliOptions {
    format: MatrixFormat;
    full?: boolean;
    classes?: boolean;
    query?: string[];
    queries?: string;
    diff?: string[] | true;
    staged?: boolean;
    exitCode?: boolean;
    endpoint?: string | true;
    namespace: string[];
    workload: string[];
    selector: string[];
    kubeconfig?: string;
    context?: string;
    requestTimeout: number;
    chunkSize?: number;
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
/** `--diff --exit-code`, `--staged --exit-code`: a flow changed (would change). */
export const EXIT_CHANGED = 1;

/** Where the command writes; `width` is the terminal's (default: terminalWidth()). */
export interface CliIo {
    stdout: (text: string) => void;
    stderr: (text: string) => void;
    width?: number;
}

const PROCESS_IO: CliIo = { stdout: (t) => process.stdout.write(t), stderr: (t) => process.stderr.write(t) };

/** Longest wait for one Kubernetes API request, in seconds, unless --request-timeout says otherwise (as verify's). */
const DEFAULT_REQUEST_TIMEOUT_S = 20;

/**
 * The command, on files and on a running cluster (the `calico-zt analyze` entry). Resolves to the
 * exit code: 0, 1 when `--diff --exit-code` found a change, or 2 after a message on stderr for bad input, an unreachable cluster, a kind the
 * credentials may not list.
 */
export async function runAnalyze(argv: string[], io: CliIo = PROCESS_IO): Promise<number> {
    try {
        const command = parseCommand(argv, io);
        await command.run.writer.load?.();
        const live = command.live ? await (await import("./live-input")).readLiveInput(command.live) : undefined;
        return execute(command, live);
    } catch (error) {
        return failure(error, io);
    }
}

/**
 * The command on files, synchronously (tests, the fuzz tier): as runAnalyze, but `--kubeconfig`
 * is refused (reading a cluster waits on the network), and `--format svg` needs
 * `await FORMAT_WRITERS.svg.load()` first (runAnalyze awaits it).
 */
export function runCli(argv: string[], io: CliIo = PROCESS_IO): number {
    try {
        const command = parseCommand(argv, io);
        if (command.live) throw new AnalysisInputError("--kubeconfig reads a cluster, which only the calico-zt command (runAnalyze) waits for");
        return execute(command);
    } catch (error) {
        return failure(error, io);
    }
}

/** Bad input (a usage error, an AnalysisInputError) is exit 2 with its message; anything else is a bug and is thrown. */
function failure(error: unknown, io: CliIo): number {
    if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : EXIT_BAD_INPUT;
    if (error instanceof AnalysisInputError) {
        io.stderr(`error: ${error.message}\n`);
        return EXIT_BAD_INPUT;
    }
    throw error;
}

/** A parsed command line: what to run, on what, and the cluster to read first, if any. */
interface ParsedCommand {
    run: CommandRun;
    paths: string[];
    live?: LiveSource;
}

function parseCommand(argv: string[], io: CliIo): ParsedCommand {
    const program = new Command("analyze")
        .description("Connectivity of Kubernetes and Calico manifests, or of a running cluster: who can connect to whom, and why.")
        .argument("[paths...]", "YAML or JSON files, or directories of them (.yaml, .yml, .json)")
        .addOption(
            new Option("--format <format>", "output (jsonl: one allowed connection per line; dot, svg: a picture, Graphviz DOT or SVG)")
                .choices(MATRIX_FORMATS as string[])
                .default("table"),
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
        .option(
            "--endpoint [name]",
            "every tier and policy applying to an endpoint's egress and ingress, in evaluation order: <ns>/<workload>, node:<name>[/<interface>] or hostendpoint:<name>; without a name, each workload the focus filters choose",
        )
        .option(
            "--diff [pathsA...]",
            "flows added and removed from pathsA (and/or the cluster of --kubeconfig) to the paths after --, each with why before and after",
        )
        .option("--staged", "the flows enforcing the staged policies (Calico v3.30+) would add and remove, each with why before and after")
        .option("--exit-code", "with --diff or --staged: exit 1 when a flow changed (would change), 0 when none (as git diff --exit-code)")
        .option("--namespace <ns>", "focus: show only endpoints of this namespace (repeatable; verdicts still judge the whole input)", collectValues, [])
        .option("--workload <ns/name>", "focus: show only this workload (repeatable)", collectValues, [])
        .option("--selector <k=v,...>", "focus: show only workloads whose labels match this kubectl label selector (repeatable)", collectValues, [])
        .option("--kubeconfig <file>", "read the running cluster this kubeconfig reaches (with the paths, if any; with --diff, as the before side)")
        .option("--context <name>", "the kubeconfig's context to use (default: its current context)")
        .option("--request-timeout <seconds>", "longest wait for one Kubernetes API request", secondsUpTo(600), DEFAULT_REQUEST_TIMEOUT_S)
        .option("--chunk-size <items>", "list the cluster's objects in pages of this many (kubectl's --chunk-size; default 500)", positiveInteger)
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
    program.parse(argv, { from: "user" });
    const options = program.opts<CliOptions>();
    // A variadic option swallows the paths after it: keep three values for --query.
    const paths = [...program.args, ...(options.query?.slice(3) ?? [])];
    if (options.query) options.query = options.query.slice(0, 3);
    // Before any file is read: a 100,000-workload input takes seconds to load.
    if (options.query && options.query.length < 3)
        throw new AnalysisInputError(`--query needs exactly SRC DST PORT[/PROTO], got ${JSON.stringify(options.query.join(" "))}`);
    if (options.context !== undefined && options.kubeconfig === undefined)
        throw new AnalysisInputError("--context names a context of --kubeconfig FILE: give both");
    const commands = [
        options.diff && "--diff",
        options.staged && "--staged",
        options.query && "--query",
        options.queries && "--queries",
        options.endpoint !== undefined && "--endpoint",
    ].filter(Boolean);
    if (commands.length > 1) throw new AnalysisInputError(`${commands.join(" and ")} are different commands: give one`);
    if (options.exitCode && !options.diff && !options.staged)
        throw new AnalysisInputError("--exit-code goes with --diff or --staged: it says whether a flow changed (would change)");
    const focus = parseFocus({ namespaces: options.namespace, workloads: options.workload, selectors: options.selector });
    if (focus && options.query)
        throw new AnalysisInputError(
            `${focus.text}: --query names its one connection itself; the focus filters choose what the matrix, --diff, --staged, --queries and --endpoint show`,
        );
    if (focus && typeof options.endpoint === "string")
        throw new AnalysisInputError(
            `${focus.text}: --endpoint ${options.endpoint} names its endpoint; give --endpoint without a name to report each focused workload`,
        );
    if (options.endpoint === true && !focus)
        throw new AnalysisInputError(
            "--endpoint needs an endpoint name, or focus filters (--namespace, --workload, --selector) choosing the workloads to report",
        );
    if (options.diff === true && options.kubeconfig === undefined)
        throw new AnalysisInputError("--diff needs the before side: paths after it (--diff A -- B), or --kubeconfig FILE (the running cluster)");
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
        analyzerOptions,
        io,
        out: bufferedWriter(io.stdout),
        writer: FORMAT_WRITERS[options.format],
        ...(focus ? { focus } : {}),
    };
    const live: LiveSource | undefined = options.kubeconfig
        ? {
              kubeconfig: options.kubeconfig,
              ...(options.context !== undefined ? { context: options.context } : {}),
              requestTimeoutMs: options.requestTimeout * 1000,
              ...(options.chunkSize ? { listPageSize: options.chunkSize } : {}),
              release: options.calicoVersion === undefined,
              ...(options.staged ? { staged: true } : {}),
          }
        : undefined;
    return { run, paths, ...(live ? { live } : {}) };
}

/** Runs the parsed command over its paths and, when read, the cluster's objects; returns the exit code. */
function execute({ run, paths }: ParsedCommand, live?: LiveInput): number {
    if (live) {
        for (const warning of live.warnings) run.io.stderr(`warning: ${warning}\n`);
        run.io.stderr(
            `note: ${live.origin}: ${live.objects.length} objects${live.calicoVersion ? `, judged as Calico ${live.calicoVersion} enforces them (its ClusterInformation)` : ""}\n`,
        );
    }
    // The release the cluster runs judges both sides of a --diff, unless --calico-version names one.
    const analyzerOptions =
        live?.calicoVersion && !run.analyzerOptions.calicoVersion ? { ...run.analyzerOptions, calicoVersion: live.calicoVersion } : run.analyzerOptions;
    const load = (inputPaths: string[], cluster?: LiveInput) => modelOf(loadObjects(inputPaths, cluster, run.io), analyzerOptions, run.io);
    const options = run.options;
    let code = 0;
    if (options.diff) {
        const changed = diffCommand(run, load(options.diff === true ? [] : options.diff, live), load(paths));
        if (changed && options.exitCode) code = EXIT_CHANGED;
    } else if (options.staged) {
        const changed = stagedCommand(run, loadObjects(paths, live, run.io), analyzerOptions);
        if (changed && options.exitCode) code = EXIT_CHANGED;
    } else if (options.query) queryCommand(run, load(paths, live), options.query as [string, string, string]);
    else if (options.queries) queriesCommand(run, load(paths, live), options.queries);
    else if (options.endpoint !== undefined) endpointCommand(run, load(paths, live), options.endpoint);
    else matrixCommand(run, load(paths, live));
    run.out.flush();
    return code;
}

/** What every command gets: the parsed options, the output writer and format, and the reader of manifests into a model. */
interface CommandRun {
    options: CliOptions;
    matrixOptions: MatrixOptions;
    io: CliIo;
    out: { write: Write; flush: () => void };
    writer: FormatWriter;
    analyzerOptions: AnalyzerOptions;
    /** The focus filters, when given: what is shown. */
    focus?: Focus;
}

/** The model of `objects`, its warnings printed. */
function modelOf(objects: KubeObject[], options: AnalyzerOptions, io: CliIo): ClusterModel {
    const model = buildModel(objects, options);
    for (const warning of model.warnings) io.stderr(`warning: ${warning}\n`);
    return model;
}

/**
 * The objects of a cluster (`cluster`) and of the manifests of `paths`, in that order; a path
 * without any is warned about.
 * @throws AnalysisInputError when there is nothing to read.
 */
function loadObjects(paths: string[], cluster: Pick<LiveInput, "objects" | "origin"> | undefined, io: CliIo): KubeObject[] {
    if (!paths.length && !cluster) throw new AnalysisInputError("no input: give YAML or JSON files or directories, or --kubeconfig FILE");
    const objects = paths.length ? loadManifests(paths) : [];
    if (!objects.length && !cluster?.objects.length)
        throw new AnalysisInputError(
            `no Kubernetes objects found (${cluster ? "the cluster lists none, and " : ""}empty files, or directories without .yaml, .yml or .json files)`,
            { file: [...(cluster ? [cluster.origin] : []), ...paths].join(", ") },
        );
    const empty = pathsWithoutObjects(paths, objects);
    if (empty.length) io.stderr(`warning: ${emptyInputWarning(empty, [...(cluster ? [cluster.origin] : []), ...paths.filter((p) => !empty.includes(p))])}\n`);
    return [...(cluster?.objects ?? []), ...objects];
}

/**
 * The named paths that gave no object (an empty directory, one without .yaml/.yml/.json files, or
 * empty files): e.g. `rendered/<stack>/<scenario>` before the stack's first `pulumi up`, beside the
 * baseline. A warning, not an error: like kubectl apply -f and conftest test, which refuse only
 * when no path gives anything, the rest is analyzed as given (the baseline alone is a valid input).
 */
function pathsWithoutObjects(paths: readonly string[], objects: readonly object[]): string[] {
    // Distinct files first: 100,000 objects come from a few files, and resolving a path per object took 5 % of a large input's load.
    const read = new Set<string>();
    for (const object of objects) {
        const file = originOf(object).file;
        if (file !== undefined) read.add(file);
    }
    const files = [...read].map((file) => path.resolve(file));
    return paths.filter((p) => {
        const named = path.resolve(p);
        return !files.some((file) => file === named || file.startsWith(named + path.sep));
    });
}

function emptyInputWarning(empty: readonly string[], read: readonly string[]): string {
    return `no Kubernetes objects in ${empty.join(", ")} (empty, or no .yaml, .yml or .json files); ` + `the result is of ${read.join(", ")} alone`;
}

/** `--diff A -- B`: the flows B allows that A does not, and the other way round, each with why; true when any changed. */
function diffCommand(run: CommandRun, before: ClusterModel, after: ClusterModel): boolean {
    if (run.focus) checkFocus([before, after], run.focus);
    const sides = [before, after].map((model) => ({ model, matrix: focused(run, model, connectivityMatrix(model, run.matrixOptions)) })) as [
        DiffSide,
        DiffSide,
    ];
    const diff = diffMatrices(sides[0].matrix, sides[1].matrix);
    run.writer.diff(explainDiff(diff, ...sides), run.out.write, { before: sides[0].matrix, after: sides[1].matrix });
    return diff.added.length + diff.removed.length > 0;
}

/** `--staged`: what enforcing the staged policies would change, each changed flow with why; true when any would change. */
function stagedCommand(run: CommandRun, objects: KubeObject[], options: AnalyzerOptions): boolean {
    const { preview, warnings } = previewStaged(objects, options, run.matrixOptions, run.focus);
    for (const warning of warnings) run.io.stderr(`warning: ${warning}\n`);
    run.writer.staged(preview, run.out.write);
    return preview.added.length + preview.removed.length > 0;
}

/** `--endpoint NAME`, or `--endpoint` with focus filters: the policies applying to each endpoint. */
function endpointCommand(run: CommandRun, model: ClusterModel, name: string | true): void {
    if (name !== true) {
        run.writer.endpoint(endpointPolicies(model, name), run.out.write);
        return;
    }
    checkFocus([model], run.focus!);
    const names = [...focusedWorkloads(model, run.focus!)].sort();
    run.writer.endpoint(
        names.flatMap((workload) => endpointPolicies(model, workload)),
        run.out.write,
    );
}

/** The matrix as the focus filters show it (all of it without them). */
function focused(run: CommandRun, model: ClusterModel, matrix: Matrix): Matrix {
    return run.focus ? focusMatrix(matrix, model, run.focus) : matrix;
}

/** `--query SRC DST PORT`: one connection's verdict (people get the verdict and the deciding rule; json the whole explanation). */
function queryCommand(run: CommandRun, model: ClusterModel, [src, dst, port]: [string, string, string]): void {
    run.writer.verdict(runQuery(model, src, dst, port), run.out.write);
}

/** `--queries FILE`: one query per line (SRC DST PORT/PROTO, # comments), one JSON verdict per line whatever the format. */
function queriesCommand(run: CommandRun, model: ClusterModel, file: string): void {
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
    if (run.focus) checkFocus([model], run.focus);
    const shown = run.focus ? endpointShown(model, run.focus) : () => true;
    let skipped = 0;
    for (const [line, number] of lines) {
        const parts = line.split(/\s+/);
        if (parts.length !== 3) throw new AnalysisInputError(`expected SRC DST PORT/PROTO, got ${JSON.stringify(line)}`, { file, key: `line ${number}` });
        if (!shown(parts[0]!) || !shown(parts[1]!)) {
            skipped++;
            continue;
        }
        try {
            run.out.write(`${JSON.stringify(runQuery(model, parts[0]!, parts[1]!, parts[2]!))}\n`);
        } catch (error) {
            run.out.flush();
            if (error instanceof AnalysisInputError) throw new AnalysisInputError(error.message, { file, key: `line ${number}` });
            throw error;
        }
    }
    if (skipped) run.io.stderr(`note: ${skipped} of ${lines.length} queries left out: an end of each is outside ${run.focus!.text}\n`);
}

/** The connectivity matrix, in full or as classes (`--full`, `--classes`, else as the format chooses). */
function matrixCommand(run: CommandRun, model: ClusterModel): void {
    const view: MatrixView = run.options.full ? "full" : run.options.classes ? "classes" : "auto";
    if (run.focus) checkFocus([model], run.focus);
    const matrix = focused(run, model, connectivityMatrix(model, run.matrixOptions));
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

/** A repeatable option's values, in order. */
function collectValues(value: string, previous: string[]): string[] {
    return [...previous, value];
}

function positiveInteger(value: string): number {
    const number = Number(value);
    if (!/^\d+$/.test(value.trim()) || number < 1) throw new InvalidArgumentError(`"${value}" is not a whole number above 0`);
    return number;
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
