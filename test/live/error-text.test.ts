// Errors of every shape read as one line: an exec that fails with a WebSocket ErrorEvent (not an
// Error) was reported as "[object Object]" on the real cluster.
import { describe, expect, it } from "vitest";
import { errorText } from "../../live/error-text";

describe("errorText", () => {
    it("names what the error says, whatever its shape, never [object Object]", () => {
        expect(errorText(new Error("first line\nsecond"))).toBe("first line");
        expect(errorText(Object.assign(new Error("Forbidden"), { code: 403 }))).toBe("HTTP 403: Forbidden");
        expect(errorText({ type: "error", message: "Unexpected server response: 500" })).toBe("Unexpected server response: 500");
        expect(errorText({ type: "error", error: new Error("socket hang up") })).toBe("socket hang up");
        expect(errorText({ type: "close" })).toBe("close event");
        expect(errorText({ status: "Failure", reason: "NotFound" })).toBe('{"status":"Failure","reason":"NotFound"}');
        expect(errorText("plain")).toBe("plain");
        for (const shape of [{}, { type: "" }, new (class Odd {})()]) expect(errorText(shape)).not.toContain("[object Object]");
    });
});
