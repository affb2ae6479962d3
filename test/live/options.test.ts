// Wrong options to the three command lines, as a new user types them: each is refused by
// commander before anything is contacted or touched, with exit 2 (usage), never 1 (which means
// "differs" for verify and "refused" for promote), and a message naming the option and the value.
import * as fs from "fs";
import * as http from "http";
import type { AddressInfo, Socket } from "net";
import * as os from "os";
import * as path from "path";
import { afterAll, beforeAll, describe, it } from "vitest";
import { integerIn, ipAddress, namespaceNames, secondsUpTo, stackName, writableFile } from "../../live/cli";
import { kubeconfigFile } from "./fake-kube";
import { REPO, runScript } from "./run-script";

/** An API server that counts connections: every case below must leave it at zero. */
let connections = 0;
let server: http.Server;
let kubeconfig: string;
const sockets = new Set<Socket>();
beforeAll(async () => {
    server = http.createServer((_req, res) => { res.writeHead(500); res.end(); });
    server.on("connection", (socket) => { connections++; sockets.add(socket); });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    kubeconfig = kubeconfigFile((server.address() as AddressInfo).port);
});
afterAll(async () => {
    for (const socket of sockets) socket.destroy();
    await new Promise<void>((resolve) => server.close(() => resolve()));
});

const VERIFY = ["--no-stack", "--namespace", "zero-trust-lab", "--stage", "allow-proxy"];

// The issue's cases as child processes (each costs a tsx start); the parsers' other refusals below, in-process.
describe.concurrent("usage errors exit 2 before anything is contacted", () => {
    it.for([
        [["--timeout", "abc"], /--timeout <seconds>.*"abc" is not a whole number of seconds from 1 to 60/],
        [["--attempts", "0"], /--attempts <n>.*"0" is not a whole number of attempts from 1 to 100/],
        [["--output", "/nonexistent/dir/x"], /--output <file>.*directory \/nonexistent\/dir does not exist/],
        [["--node-address", "not-an-ip"], /--node-address <ip>.*"not-an-ip" is not an IP address/],
        [["--stack", "../../x/y"], /"..\/..\/x\/y" is not a stack name/],
    ] as [string[], RegExp][])("verify %j", { timeout: 120_000 }, async ([args, message], { expect }) => {
        const run = await runScript("verify", [...VERIFY, ...args], { KUBECONFIG: kubeconfig });
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toMatch(message);
        expect(run.stdout).toBe("");
        expect(connections).toBe(0);
    });

    it.for([
        [[], /required option '--from <stack>' not specified/],
        [["--from", "dev", "--to", "../staging"], /"..\/staging" is not a stack name/],
        [["--from", "dev", "--to", "staging", "--up"], /--up deploys only together with --apply/],
    ] as [string[], RegExp][])("promote %j", { timeout: 120_000 }, async ([args, message], { expect }) => {
        const run = await runScript("promote", args);
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toMatch(message);
    });

    it("lab --render --yes --stack ../../x/y: refused by Pulumi's stack-name rule; the files that name would reach are untouched", async ({ expect }) => {
        // The paths the walk once derived from that name: <repo>/Pulumi.<stack>-render.yaml and
        // <repo>/.rendered/<stack>/current (recursively), both outside the repository here.
        const outside = fs.mkdtempSync(path.join(os.tmpdir(), "lab-outside-"));
        fs.writeFileSync(path.join(outside, "y-render.yaml"), "mine\n");
        fs.mkdirSync(path.join(outside, "y", "current"), { recursive: true });
        fs.writeFileSync(path.join(outside, "y", "current", "keep.txt"), "mine\n");
        const stack = path.relative(REPO, path.join(outside, "y"));
        const run = await runScript("lab", ["--render", "--yes", "--stack", stack]);
        expect(run.code, run.stderr).toBe(2);
        expect(run.stderr).toMatch(/--stack <name>.*is not a stack name/);
        expect(fs.readFileSync(path.join(outside, "y-render.yaml"), "utf8")).toBe("mine\n");
        expect(fs.readFileSync(path.join(outside, "y", "current", "keep.txt"), "utf8")).toBe("mine\n");
    }, 120_000);
});

describe("option parsers", () => {
    it("stack names follow Pulumi's rule (letters, digits, _ . -, 1-100) and never name a directory", ({ expect }) => {
        for (const name of ["dev", "dev-render", "team_a.staging", "x".repeat(100)]) expect(stackName(name)).toBe(name);
        for (const name of ["", "..", ".", "../x", "org/project/dev", "a b", "x".repeat(101), "dev;rm"]) expect(() => stackName(name)).toThrow(/is not a stack name/);
    });

    it("numbers, addresses, namespaces and output files", ({ expect }) => {
        expect(integerIn(1, 60, "seconds")("2")).toBe(2);
        for (const bad of ["abc", "0", "61", "1.5", " ", "1e1"]) expect(() => integerIn(1, 60, "seconds")(bad)).toThrow(/is not a whole number of seconds from 1 to 60/);
        expect(ipAddress("172.18.0.2")).toBe("172.18.0.2");
        expect(ipAddress("::1")).toBe("::1");
        expect(() => ipAddress("node.local")).toThrow(/is not an IP address/);
        expect(namespaceNames("a,b", ["c"])).toEqual(["c", "a", "b"]);
        expect(() => namespaceNames(",")).toThrow(/names no namespace/);
        expect(() => namespaceNames("Zero_Trust")).toThrow(/"Zero_Trust" is not a namespace name/);
        expect(secondsUpTo(600)("0.5")).toBe(0.5);
        for (const bad of ["0", "-1", "abc", "601"]) expect(() => secondsUpTo(600)(bad)).toThrow(/is not a number of seconds above 0 and at most 600/);
        const directory = fs.mkdtempSync(path.join(os.tmpdir(), "report-"));
        expect(writableFile(path.join(directory, "r.xml"))).toBe(path.join(directory, "r.xml"));
        expect(() => writableFile(directory)).toThrow(/is a directory/);
    });
});
