// Wrong options to the three command lines, as a new user types them: each is refused by
// commander before anything is contacted or touched, with exit 2 (usage), never 1 (which means
// "differs" for verify and "refused" for promote), and a message naming the option and the value.
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo, Socket } from "net";
import * as path from "path";
import { afterAll, beforeAll, describe, it, vi } from "vitest";
import type { Command } from "commander";
import { RenderWorkspace } from "../../live/render-workspace";
import { labProgram } from "../../scripts/lab";
import { verifyProgram } from "../../scripts/verify";
import { integerIn, ipAddress, namespaceNames, secondsUpTo, stackName, writableFile } from "../../live/cli";
import { temporaryDirectory } from "../helpers/temporary";
import { kubeconfigFile } from "./fake-kube";
import { runScript } from "./run-script";

/** An API server that counts connections: every case below must leave it at zero. */
let connections = 0;
let server: http.Server;
let kubeconfig: string;
const sockets = new Set<Socket>();
beforeAll(async () => {
    server = http.createServer((_req, res) => {
        res.writeHead(500);
        res.end();
    });
    server.on("connection", (socket) => {
        connections++;
        sockets.add(socket);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    kubeconfig = kubeconfigFile((server.address() as AddressInfo).port);
});
afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
});

const VERIFY = ["--no-stack", "--namespace", "zero-trust-lab", "--stage", "allow-proxy"];

const parseVerify = (args: string[]) => parseWith(verifyProgram, args);

/**
 * A command line (verify's, lab's) parsed in-process, with its real usage-error handling (withUsageExit):
 * the exit code it asks for and what commander printed. Nothing past parsing runs.
 */
function parseWith(program: () => Command, args: string[]): { exit?: number; stderr: string } {
    let stderr = "";
    const exit = vi.spyOn(process, "exit").mockImplementation(((code?: number) => {
        throw new ExitCalled(code ?? 0);
    }) as never);
    try {
        program()
            .configureOutput({
                writeErr: (text) => {
                    stderr += text;
                },
                writeOut: () => undefined,
            })
            .parse(args, { from: "user" });
        return { stderr };
    } catch (error) {
        if (error instanceof ExitCalled) return { exit: error.code, stderr };
        throw error;
    } finally {
        exit.mockRestore();
    }
}
class ExitCalled extends Error {
    constructor(readonly code: number) {
        super(`exit ${code}`);
    }
}

describe("verify's options, in-process", () => {
    it.for([
        [["--timeout", "abc"], /--timeout <seconds>.*"abc" is not a whole number of seconds from 1 to 60/],
        [["--timeout", "1.5"], /"1.5" is not a whole number of seconds/],
        [["--attempts", "0"], /--attempts <n>.*"0" is not a whole number of attempts from 1 to 100/],
        [["--interval", "-5"], /--interval <ms>.*"-5" is not a whole number of milliseconds/],
        [["--parallel", "0"], /--parallel <n>.*"0" is not a whole number of probes from 1 to 64/],
        [["--output", "/nonexistent/dir/x"], /--output <file>.*directory \/nonexistent\/dir does not exist/],
        [["--node-address", "not-an-ip"], /--node-address <ip>.*"not-an-ip" is not an IP address/],
        [["--format", "xml"], /--format.*Allowed choices are table, json, junit/],
        [["--namespace", "Zero_Trust"], /"Zero_Trust" is not a namespace name/],
        [["--request-timeout", "0"], /"0" is not a number of seconds above 0/],
        [["--stack", "../../x/y"], /"..\/..\/x\/y" is not a stack name/],
        [["--no-such-option"], /unknown option '--no-such-option'/],
    ] as [string[], RegExp][])("%j is a usage error: exit 2", ([args, message], { expect }) => {
        const { exit, stderr } = parseVerify([...VERIFY, ...args]);
        expect(exit, stderr).toBe(2);
        expect(stderr).toMatch(message);
    });

    it("valid options parse to numbers, and --help exits 0", ({ expect }) => {
        expect(parseVerify(VERIFY).exit).toBeUndefined();
        expect(parseVerify(["--help"]).exit).toBe(0);
    });
});

// The cases end to end, as child processes (each costs a tsx start on a shared machine).
describe.concurrent("usage errors exit 2 before anything is contacted", () => {
    it("npm run verify -- --timeout abc --attempts 0: exit 2, nothing printed on stdout, no connection to the API server", async ({ expect }) => {
        const run = await runScript("verify", [...VERIFY, "--timeout", "abc", "--attempts", "0"], { KUBECONFIG: kubeconfig });
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toMatch(/--timeout <seconds>.*"abc" is not a whole number/);
        expect(run.stdout).toBe("");
        expect(connections).toBe(0);
    }, 180_000);

    it.for([
        [[], /required option '--from <stack>' not specified/],
        [["--from", "dev", "--to", "../staging"], /"..\/staging" is not a stack name/],
        [["--from", "dev", "--to", "staging", "--up"], /--up deploys only together with --apply/],
    ] as [string[], RegExp][])("promote %j", { timeout: 180_000 }, async ([args, message], { expect }) => {
        const run = await runScript("promote", args);
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toMatch(message);
    });
});

describe("lab --render --yes --stack ../../x/y", () => {
    it("is refused by Pulumi's stack-name rule while parsing (exit 2), before any file is touched", ({ expect }) => {
        const { exit, stderr } = parseWith(labProgram, ["--render", "--yes", "--stack", "../../x/y"]);
        expect(exit, stderr).toBe(2);
        expect(stderr).toMatch(/--stack <name>.*"..\/..\/x\/y" is not a stack name/);
    });

    it("a render walk deletes only what it created: its temporary directory and the throw-away stack file, never a file the user had", ({ expect }) => {
        const repo = temporaryDirectory("repo");
        const workspace = RenderWorkspace.open(repo, "dev");
        expect(workspace.stageDirectory({ number: 4, name: "allow-proxy" }, "helloworld")).toBe(
            path.join(repo, ".rendered", "dev", "helloworld", "4-allow-proxy"),
        );
        fs.writeFileSync(workspace.stackFile, "config: {}\n"); // as Pulumi writes it during the walk
        fs.mkdirSync(workspace.manifests);
        fs.writeFileSync(path.join(repo, "Pulumi.dev.yaml"), "mine\n");
        expect(workspace.cleanup()).toEqual([workspace.stackFile, expect.stringContaining("lab-render-")]);
        expect(fs.existsSync(workspace.stackFile)).toBe(false);
        expect(fs.existsSync(workspace.backend)).toBe(false);
        expect(fs.readFileSync(path.join(repo, "Pulumi.dev.yaml"), "utf8")).toBe("mine\n");
        // A Pulumi.<stack>-render.yaml that exists before the walk is the user's: the walk refuses to start.
        fs.writeFileSync(path.join(repo, "Pulumi.dev-render.yaml"), "mine too\n");
        expect(() => RenderWorkspace.open(repo, "dev")).toThrow(/Pulumi.dev-render.yaml exists: --render uses the stack dev-render as its throw-away stack/);
        expect(fs.readFileSync(path.join(repo, "Pulumi.dev-render.yaml"), "utf8")).toBe("mine too\n");
        expect(() => RenderWorkspace.open(repo, "../../x/y")).toThrow(/is not a stack name/);
    });
});

describe("option parsers", () => {
    it("stack names follow Pulumi's rule (letters, digits, _ . -, 1-100) and never name a directory", ({ expect }) => {
        for (const name of ["dev", "dev-render", "team_a.staging", "x".repeat(100)]) expect(stackName(name)).toBe(name);
        for (const name of ["", "..", ".", "../x", "org/project/dev", "a b", "x".repeat(101), "dev;rm"])
            expect(() => stackName(name)).toThrow(/is not a stack name/);
    });

    it("numbers, addresses, namespaces and output files", ({ expect }) => {
        expect(integerIn(1, 60, "seconds")("2")).toBe(2);
        for (const bad of ["abc", "0", "61", "1.5", " ", "1e1"])
            expect(() => integerIn(1, 60, "seconds")(bad)).toThrow(/is not a whole number of seconds from 1 to 60/);
        expect(ipAddress("172.18.0.2")).toBe("172.18.0.2");
        expect(ipAddress("::1")).toBe("::1");
        expect(() => ipAddress("node.local")).toThrow(/is not an IP address/);
        expect(namespaceNames("a,b", ["c"])).toEqual(["c", "a", "b"]);
        expect(() => namespaceNames(",")).toThrow(/names no namespace/);
        expect(() => namespaceNames("Zero_Trust")).toThrow(/"Zero_Trust" is not a namespace name/);
        expect(secondsUpTo(600)("0.5")).toBe(0.5);
        for (const bad of ["0", "-1", "abc", "601"]) expect(() => secondsUpTo(600)(bad)).toThrow(/is not a number of seconds above 0 and at most 600/);
        const directory = temporaryDirectory("report");
        expect(writableFile(path.join(directory, "r.xml"))).toBe(path.join(directory, "r.xml"));
        expect(() => writableFile(directory)).toThrow(/is a directory/);
    });
});
