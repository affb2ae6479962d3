/**
 * Which files a list of manifest paths means, and reading them safely. A path is a file or a
 * directory searched recursively for *.yaml / *.yml / *.json, in path order. Symbolic links are followed,
 * to files and to directories alike (a rendered tree that links a shared directory in means its
 * policies; a directory reached twice through links is read once). Only regular files are read: a
 * FIFO would block forever and a device never ends, so both are refused, as is a file over the size
 * limit below.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import { AnalysisInputError } from "../errors";

/** Largest manifest file read, in bytes (100 MiB: a 50 MB rendered cluster still fits twice). */
export const MAX_MANIFEST_BYTES = 100 * 1024 * 1024;

const MANIFEST_FILE = /\.(ya?ml|json)$/i;

/**
 * The manifest files `paths` stand for, each marked explicit when it was named itself (not found in a
 * directory). Throws AnalysisInputError for a missing path or one that is not a regular file or directory.
 */
export function manifestFiles(paths: readonly string[]): { file: string; explicit: boolean }[] {
    const seenDirectories = new Set<string>();
    const files: { file: string; explicit: boolean }[] = [];
    const visit = (p: string, explicit: boolean) => {
        const stat = statOf(p);
        if (stat.isDirectory()) {
            const real = fs.realpathSync(p);
            if (seenDirectories.has(real)) return;
            seenDirectories.add(real);
            let entries: string[];
            try {
                entries = fs.readdirSync(p);
            } catch (error) {
                throw new AnalysisInputError(`cannot read the directory: ${(error as Error).message}`, { file: p });
            }
            for (const name of entries.sort((a, b) => a.localeCompare(b))) {
                const child = path.join(p, name);
                if (MANIFEST_FILE.test(name)) visit(child, false);
                else if (isDirectory(child)) visit(child, false);
            }
            return;
        }
        if (!stat.isFile()) throw new AnalysisInputError(`not a regular file (${kindOf(stat)}); give YAML or JSON files or directories`, { file: p });
        if (explicit || MANIFEST_FILE.test(p)) files.push({ file: p, explicit });
    };
    for (const p of paths) visit(p, true);
    return files;
}

/** The text of one manifest file, refused if it is not a regular file or is larger than MAX_MANIFEST_BYTES. */
export function readManifestFile(file: string): string {
    const stat = statOf(file);
    if (!stat.isFile()) throw new AnalysisInputError(`not a regular file (${kindOf(stat)})`, { file });
    if (stat.size > MAX_MANIFEST_BYTES) {
        throw new AnalysisInputError(
            `${mebibytes(stat.size)} is over the analyzer's limit of ${mebibytes(MAX_MANIFEST_BYTES)} per manifest file ` +
                "(MAX_MANIFEST_BYTES in analysis/input/input-files.ts); split the file",
            { file },
        );
    }
    try {
        return fs.readFileSync(file, "utf8");
    } catch (error) {
        throw new AnalysisInputError(`cannot read: ${(error as Error).message}`, { file });
    }
}

function statOf(p: string): fs.Stats {
    try {
        return fs.statSync(p);
    } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        if (code === "ELOOP") throw new AnalysisInputError("symbolic link loop", { file: p });
        if (code === "ENOENT" && fs.lstatSync(p, { throwIfNoEntry: false })?.isSymbolicLink())
            throw new AnalysisInputError("broken symbolic link", { file: p });
        throw new AnalysisInputError(code === "ENOENT" ? "no such file or directory" : `cannot read: ${(error as Error).message}`, { file: p });
    }
}

function isDirectory(p: string): boolean {
    try {
        return fs.statSync(p, { throwIfNoEntry: false })?.isDirectory() ?? false;
    } catch {
        return false; // a link loop among files that are not YAML: not ours to read
    }
}

function kindOf(stat: fs.Stats): string {
    if (stat.isFIFO()) return "a FIFO";
    if (stat.isCharacterDevice() || stat.isBlockDevice()) return "a device";
    if (stat.isSocket()) return "a socket";
    return "not a file";
}

const mebibytes = (bytes: number) => `${(bytes / 1024 / 1024).toFixed(bytes < 1024 * 1024 ? 2 : 0)} MiB`;
