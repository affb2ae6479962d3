/**
 * The compiled command line (package `bin` calico-zt, built by `npm run build:cli` into
 * dist/calico-zt.js, also on `npm ci`):
 *
 *   calico-zt analyze <paths...> [options]        the connectivity analyzer (analysis/consumers/cli.ts)
 *   calico-zt policy-check <paths...> [options]   the policy pack over manifests (policy-pack/check.ts)
 *
 * The analyzer is bundled in; the policy pack is a separate bundle (policy-pack/dist/check.js,
 * loading @pulumi/policy from policy-pack/node_modules), loaded only when asked for, so that
 * `analyze` starts without Pulumi.
 */
import * as path from "node:path";
import { runAnalyze } from "../analysis/consumers/cli";

const USAGE = `usage: calico-zt <command> [arguments]

  analyze <paths...> [options]        who can connect to whom, and why (calico-zt analyze --help)
  policy-check <paths...> [options]   the policy pack over manifests (calico-zt policy-check --help)
`;

type PolicyCheck = { main(argv: string[]): Promise<number> };

async function run(argv: string[]): Promise<number> {
    const [command, ...rest] = argv;
    switch (command) {
        case "analyze":
            return runAnalyze(rest);
        case "policy-check": {
            // A computed path: the bundler leaves this require alone and the pack stays its own bundle.
            const bundle = path.join(__dirname, "..", "policy-pack", "dist", "check.js");
            return (require(bundle) as PolicyCheck).main(rest);
        }
        case "-h":
        case "--help":
        case undefined:
            process.stdout.write(USAGE);
            return command ? 0 : 2;
        default:
            process.stderr.write(`calico-zt: unknown command ${JSON.stringify(command)}\n\n${USAGE}`);
            return 2;
    }
}

run(process.argv.slice(2)).then(
    (code) => {
        process.exitCode = code;
    },
    (error: unknown) => {
        process.stderr.write(`calico-zt: internal error: ${error instanceof Error ? error.stack : String(error)}\n`);
        process.exitCode = 1;
    },
);
