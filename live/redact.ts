// Keeps credentials out of everything the live tools print or write: progress lines, errors,
// the table / JSON / JUnit reports and the recorded results. A Redactor knows the secrets of the
// kubeconfig in use (every credential kind a kubeconfig can hold, see fromKubeConfig) and the
// credential headers the client actually sent (an exec plugin's token exists only at run time),
// and it removes userinfo from any URL, known or not (`https://admin:pw@host` -> `https://<redacted>@host`).
import type * as k8s from "@kubernetes/client-node";

export const REDACTED = "<redacted>";

/** `scheme://user[:password]@`: userinfo in a URL (RFC 3986 3.2.1), whatever the scheme. */
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@"'<>]*@/gi;

/**
 * Shortest value taken as a secret when it comes from a field that also holds plain settings
 * (exec plugin args and env values, auth-provider config): "--region", "true" or "eks" would
 * otherwise be cut out of every message. Credential fields proper (token, password, key) count
 * from one character.
 */
export const MIN_SETTING_SECRET_LENGTH = 8;

export class Redactor {
    private readonly secrets = new Set<string>();

    /**
     * Every credential of a kubeconfig, of every user and cluster (not only the current context's:
     * a message may name another): token, password (and username:password as the Basic header
     * carries it), client key and certificate data (base64 and decoded), the userinfo of server
     * and proxy URLs, exec plugin args and env values, auth-provider config values.
     */
    static fromKubeConfig(kubeConfig: k8s.KubeConfig): Redactor {
        const redactor = new Redactor();
        for (const user of kubeConfig.getUsers()) {
            redactor.add(user.token, user.password);
            if (user.username && user.password) redactor.add(Buffer.from(`${user.username}:${user.password}`).toString("base64"));
            for (const data of [user.keyData, user.certData]) redactor.addEncoded(data);
            for (const arg of user.exec?.args ?? []) redactor.addSetting(arg);
            for (const variable of (user.exec?.env ?? []) as { value?: string }[]) redactor.addSetting(variable.value);
            for (const value of Object.values((user.authProvider?.config ?? {}) as Record<string, unknown>))
                redactor.addSetting(typeof value === "string" ? value : undefined);
        }
        for (const cluster of kubeConfig.getClusters()) {
            for (const url of [cluster.server, (cluster as { proxyUrl?: string }).proxyUrl]) redactor.addUserinfo(url);
        }
        return redactor;
    }

    /** Secrets as they are (credential fields: any length). */
    add(...values: (string | undefined)[]): this {
        for (const value of values) if (value) this.secrets.add(value);
        return this;
    }

    /** A value from a field that mixes settings and secrets: a secret from MIN_SETTING_SECRET_LENGTH on. */
    addSetting(value: string | undefined): this {
        if (value && value.length >= MIN_SETTING_SECRET_LENGTH) this.secrets.add(value);
        return this;
    }

    /** A credential header the client sent ("Bearer <token>", "Basic <base64>"): the credential after the scheme. */
    addHeader(value: string | undefined): this {
        if (!value) return this;
        const credential = value.replace(/^\s*\S+\s+/, "");
        return this.add(credential, value);
    }

    private addEncoded(base64: string | undefined): void {
        if (!base64) return;
        this.add(base64);
        const decoded = Buffer.from(base64, "base64").toString("utf8");
        this.add(decoded.trim());
        // A PEM's body lines, should a message quote one of them.
        for (const line of decoded.split(/\r?\n/)) if (line.length >= 16 && !line.startsWith("-----")) this.add(line.trim());
    }

    private addUserinfo(url: string | undefined): void {
        if (!url) return;
        try {
            const parsed = new URL(url);
            this.add(decodeURIComponent(parsed.password), parsed.password);
            if (parsed.password) this.addSetting(decodeURIComponent(parsed.username));
        } catch {
            // Not a URL: URL_USERINFO still covers whatever looks like one.
        }
    }

    /** The text with every known secret and every URL's userinfo replaced by <redacted>. */
    text(value: string): string {
        let result = value.replace(URL_USERINFO, `$1${REDACTED}@`);
        // Longest first, so a secret containing another is removed whole.
        for (const secret of [...this.secrets].sort((a, b) => b.length - a.length)) result = result.split(secret).join(REDACTED);
        return result;
    }

    /** A deep copy of a plain value (objects, arrays, strings) with every string redacted. */
    deep<T>(value: T): T {
        if (typeof value === "string") return this.text(value) as T;
        if (Array.isArray(value)) return value.map((item) => this.deep(item)) as T;
        if (value !== null && typeof value === "object" && !(value instanceof Date)) {
            return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([key, field]) => [this.text(key), this.deep(field)])) as T;
        }
        return value;
    }
}

/** A redactor that knows no secrets yet: URL userinfo only. */
export function urlRedactor(): Redactor {
    return new Redactor();
}
