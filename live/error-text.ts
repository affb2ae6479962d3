/**
 * One line naming an error of any shape: an Error's first message line (with its HTTP code when the
 * Kubernetes client set one), or, for what a WebSocket or a library rejects with that is not an Error
 * (an ErrorEvent, a plain object), its message, type or JSON, never "[object Object]".
 */
export function errorText(error: unknown): string {
    if (error instanceof Error) {
        const code = (error as { code?: unknown }).code;
        const first = error.message.split("\n")[0];
        return code !== undefined ? `HTTP ${String(code)}: ${first}` : first;
    }
    if (typeof error === "object" && error !== null) {
        const { message, type, error: inner } = error as { message?: unknown; type?: unknown; error?: unknown };
        if (typeof message === "string" && message) return message.split("\n")[0];
        if (inner !== undefined && inner !== error) return errorText(inner);
        if (typeof type === "string" && type) return `${type} event`;
        try {
            const json = JSON.stringify(error);
            if (json && json !== "{}") return json.slice(0, 200);
        } catch {
            /* cyclic: fall through */
        }
        return `a ${error.constructor?.name ?? "non-Error"} object with no message`;
    }
    return String(error);
}
