// Felix's readiness as the runner reads it when a scenario does not converge (felix.ts).
import * as http from "http";
import type { AddressInfo } from "net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { felixNotReady } from "./felix";

describe("Felix's readiness", () => {
    let ready = true;
    const server = http.createServer((_, res) => {
        res.statusCode = ready ? 204 : 503;
        res.end();
    });
    let url = "";
    beforeAll(
        () =>
            new Promise<void>((resolve) =>
                server.listen(0, "127.0.0.1", () => {
                    url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/readiness`;
                    resolve();
                }),
            ),
    );
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    it("is ready on a 2xx, and says why not on any other answer or none", async () => {
        expect(await felixNotReady(url)).toBeUndefined();
        ready = false;
        expect(await felixNotReady(url)).toBe(`its readiness endpoint ${url} answered HTTP 503`);
        const closed = http.createServer();
        const port = await new Promise<number>((resolve) => closed.listen(0, "127.0.0.1", () => resolve((closed.address() as AddressInfo).port)));
        await new Promise<void>((resolve) => closed.close(() => resolve()));
        expect(await felixNotReady(`http://127.0.0.1:${port}/readiness`)).toBe(
            `its readiness endpoint http://127.0.0.1:${port}/readiness did not answer (ECONNREFUSED)`,
        );
    });
});
