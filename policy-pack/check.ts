// policy:check: the pack's policies over plain manifests (YAML files or directories, e.g. what
// `cluster=render` writes). Same policy code as `pulumi preview --policy-pack policy-pack`.
//
//   npm run --silent policy:check -- [--advisory] [--config policy-config.json] <paths...>
// (options parsed by commander)
//
// Exit codes: 0 no mandatory violation, 1 mandatory violations, 2 bad input.
import { Command, CommanderError } from "commander";
import * as fs from "fs";
import * as path from "path";
import { AnalysisInputError, CALICO_VERSION_HELP, calicoRelease, DEFAULT_CALICO_VERSION, loadManifests } from "../analysis";
import { clusterView } from "./lib/cluster";
import { SETTINGS, settingsOf, Settings } from "./lib/config";
import { checkPackConfig } from "./lib/config-check";
import { intentsOf } from "./lib/intent";
import { hasMandatory, PackConfig, resourcesOfObjects, runPolicies, Violation } from "./lib/run";
import { policies } from "./policies";

const DESCRIPTION =
    "Runs the calico-zero-trust policy pack over Kubernetes and Calico manifests (YAML files, or directories " +
    "searched for .yaml/.yml). Prints every violation with its policy, resource and explanation.\n\n" +
    "Exit status: 0 no mandatory violation, 1 mandatory violations, 2 bad input.";

interface Arguments {
    paths: string[];
    advisory: boolean;
    config?: PackConfig;
    calicoVersion?: string;
}

/** The command line, parsed by commander; a usage error is a CommanderError (exit code 0 for --help). */
function parseArguments(argv: string[], cwd: string, err: NodeJS.WritableStream): Arguments {
    const program = new Command("npm run --silent policy:check --")
        .description(DESCRIPTION)
        .argument("<file-or-directory...>", "manifests: YAML files, or directories searched for .yaml/.yml")
        .option("--advisory", "report mandatory violations as advisory (exit 0): for stages that are not zero trust by design")
        .option(
            "--config <file-or-json>",
            "policy settings and levels, in the format of pulumi --policy-pack-config (a file, or the JSON itself), " +
                "checked against each policy's configSchema: an unknown policy, level or setting is exit 2, " +
                `e.g. '{"edge-only-ingress": {"edgeWorkloads": ["helloworld-proxy"]}, "service-exposure": "disabled"}'`,
        )
        .option(
            "--calico-version <release>",
            `${CALICO_VERSION_HELP}; default: the release the manifests' zero-trust-intent ConfigMap states, else ${DEFAULT_CALICO_VERSION}`,
        )
        .helpOption("-h, --help", "this help")
        .showHelpAfterError()
        .exitOverride()
        .configureOutput({ writeOut: (text) => err.write(text), writeErr: (text) => err.write(text.replace(/^error: /, "policy:check: ")) });
    program.parse(argv, { from: "user" });
    const options = program.opts<{ advisory?: boolean; config?: string; calicoVersion?: string }>();
    // Checked before any file is read.
    if (options.calicoVersion !== undefined) calicoRelease(options.calicoVersion);
    return {
        paths: program.args.map((arg) => path.resolve(cwd, arg)),
        advisory: options.advisory === true,
        config: options.config === undefined ? undefined : readConfig(options.config, cwd),
        ...(options.calicoVersion !== undefined ? { calicoVersion: options.calicoVersion } : {}),
    };
}

/** The --config argument: a file, or the JSON document itself when it starts with "{". */
function readConfig(argument: string, cwd: string): PackConfig {
    const inline = argument.trimStart().startsWith("{");
    const source = inline ? "--config" : path.resolve(cwd, argument);
    let value: unknown;
    try {
        value = JSON.parse(inline ? argument : fs.readFileSync(source, "utf8"));
    } catch (error) {
        throw new AnalysisInputError(`cannot read the policy config: ${(error as Error).message}`, { file: source });
    }
    return checkPackConfig(value, policies, source);
}

function indent(text: string): string {
    return text
        .split("\n")
        .map((line) => `    ${line}`)
        .join("\n");
}

function format(violation: Violation): string {
    return `[${violation.enforcementLevel}] ${violation.policy}${violation.resource ? `: ${violation.resource}` : ""}\n${indent(violation.message)}`;
}

export async function main(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
    let args: Arguments;
    try {
        args = parseArguments(argv, process.env.INIT_CWD ?? process.cwd(), err);
    } catch (error) {
        // commander has printed the usage error (or the help) already.
        if (error instanceof CommanderError) return error.exitCode === 0 ? 0 : 2;
        if (error instanceof AnalysisInputError) {
            err.write(`policy:check: bad input: ${error.message}\n`);
            return 2;
        }
        throw error;
    }
    try {
        const objects = loadManifests(args.paths);
        if (objects.length === 0) throw new AnalysisInputError("no Kubernetes objects found", { file: args.paths.join(", ") });
        // Read everything the policies will read once, so bad input is exit 2, not a violation.
        intentsOf(objects);
        const shared = args.calicoVersion !== undefined ? { calicoVersion: args.calicoVersion } : {};
        const view = clusterView(objects, settingsOf<Settings>({ getConfig: <T extends object>() => shared as T }, { properties: SETTINGS as never }));
        for (const warning of view.model.warnings) err.write(`policy:check: warning: ${warning}\n`);
        const result = await runPolicies(policies, resourcesOfObjects(objects), { config: args.config, advisory: args.advisory, shared });
        for (const violation of result.violations) out.write(`${format(violation)}\n\n`);
        const mandatory = result.violations.filter((v) => v.enforcementLevel === "mandatory").length;
        const advisory = result.violations.length - mandatory;
        out.write(
            `${objects.length} objects, ${policies.length} policies: ${mandatory} mandatory and ${advisory} advisory violations` +
                `${result.notApplicable.length ? ` (not applicable: ${result.notApplicable.map((n) => `${n.policy}, ${n.reason}`).join("; ")})` : ""}.\n`,
        );
        return hasMandatory(result) ? 1 : 0;
    } catch (error) {
        if (error instanceof AnalysisInputError) {
            err.write(`policy:check: bad input: ${error.message}\n`);
            return 2;
        }
        throw error;
    }
}

if (require.main === module) {
    main(process.argv.slice(2)).then(
        (code) => {
            process.exitCode = code;
        },
        (error) => {
            process.stderr.write(`policy:check: ${error instanceof Error ? error.stack : String(error)}\n`);
            process.exitCode = 2;
        },
    );
}
