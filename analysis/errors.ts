/** Where a piece of bad input came from, so the user can find and fix it. */
export interface InputLocation {
    /** File (or other source name) the object was read from. */
    file?: string;
    /** 1-based index of the YAML document inside the file. */
    document?: number;
    /** 1-based line inside the file, when the problem is in the YAML itself. */
    line?: number;
    /** "Kind namespace/name" of the object. */
    object?: string;
    /** Dotted path of the offending key inside the object. */
    key?: string;
}

/**
 * Bad input: invalid YAML, an object the analyzer cannot judge, a malformed selector, an
 * unknown workload in a query. The CLI turns it into exit code 2; never a silent wrong answer.
 */
export class AnalysisInputError extends Error {
    readonly location: InputLocation;
    /** The message without its location. */
    readonly reason: string;

    constructor(message: string, location: InputLocation = {}) {
        super(formatMessage(message, location));
        this.name = "AnalysisInputError";
        this.location = location;
        this.reason = message;
    }
}

function formatMessage(message: string, where: InputLocation): string {
    const parts: string[] = [];
    const inFile = [where.document ? `document ${where.document}` : "", where.line ? `line ${where.line}` : ""].filter(Boolean).join(", ");
    if (where.file) parts.push(inFile ? `${where.file} (${inFile})` : where.file);
    if (where.object) parts.push(where.object);
    if (where.key) parts.push(where.key);
    return parts.length ? `${parts.join(": ")}: ${message}` : message;
}
